"""Turning a call and its enqueue options into the fields of a job hash, validating everything
before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jobctl import defaults
from jobctl.callbacks import Callback
from jobctl.dependencies import DependencySpec, normalize_depends_on
from jobctl.exceptions import InvalidDependencyError, PayloadTooLargeError, SerializationError
from jobctl.retry import Retry
from jobctl.serializers import Serializer, dumps_arguments, secret_key, sign
from jobctl.utils import (
    callable_path,
    format_bytes,
    new_job_id,
    new_job_ids,
    parse_duration,
    stamp,
    validate_callable_path,
    validate_job_id,
)


@dataclass
class EnqueueOptions:
    """Everything ``Queue.enqueue`` accepts besides the call itself."""

    job_timeout: int | str | None = None
    result_ttl: int | str | None = None
    ttl: int | str | None = None
    failure_ttl: int | str | None = None
    description: str | None = None
    depends_on: Any = None
    job_id: str | None = None
    at_front: bool = False
    meta: dict[str, Any] | None = None
    retry: Retry | None = None
    on_success: Callback | Callable[..., Any] | str | None = None
    on_failure: Callback | Callable[..., Any] | str | None = None
    on_stopped: Callback | Callable[..., Any] | str | None = None
    extra_fields: dict[str, str] = field(default_factory=dict)


OPTION_NAMES = frozenset(
    name for name in EnqueueOptions.__dataclass_fields__ if name != "extra_fields"
)
_NO_DEPENDENCIES = DependencySpec([])


@dataclass(slots=True)
class PreparedJob:
    """A validated job ready for the enqueue script."""

    job_id: str
    fields: dict[str, bytes]
    dependencies: DependencySpec
    at_front: bool
    ttl: int | None
    generated_id: bool = False
    """True when the id was made here (random): an existing job with it is our own resend."""

    @property
    def request_token(self) -> bytes | None:
        """For a chosen id, a random token of this enqueue request, stored with the job: an
        existing job that carries it is this request resent, not a conflict."""
        return self.fields.get("request")


def func_reference(func: Callable[..., Any] | str) -> str:
    """The dotted path stored for ``func``; strings are checked for syntax only (seed point 4).

    Remembered for the functions enqueued most recently: a producer enqueues the same few
    functions over and over.
    """
    try:
        return _cached_func_reference(func)
    except TypeError:  # unhashable: checked (and refused) without the cache
        return _func_reference(func)


def _func_reference(func: Callable[..., Any] | str) -> str:
    if isinstance(func, str):
        return validate_callable_path(func)
    return callable_path(func)


_cached_func_reference = lru_cache(maxsize=256)(_func_reference)


def prepare_job(
    func: Callable[..., Any] | str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    options: EnqueueOptions | None,
    *,
    queue_name: str,
    serializer: Serializer,
    default_timeout: int | None = None,
    max_payload: int = defaults.MAX_PAYLOAD_BYTES,
) -> PreparedJob:
    """Validate and encode a job; raises a ValueError subclass for any bad input."""
    preparer = JobPreparer(queue_name, serializer, default_timeout, max_payload)
    return preparer.prepare(func, args, kwargs, options)


class JobPreparer:
    """Validates and encodes the jobs of one enqueue call.

    What is the same for every job of a call (the queue, the serializer, the signing key, the
    path of a function enqueued many times, a supply of random ids) is worked out once, so
    ``enqueue_many`` pays per job only for what differs between jobs.
    """

    __slots__ = ("_ids", "default_timeout", "key", "max_payload", "origin", "ser", "serializer")

    def __init__(self, queue_name: str, serializer: Serializer, default_timeout: int | None,
                 max_payload: int, *, expected: int = 1) -> None:
        self.origin = queue_name.encode()
        self.serializer = serializer
        self.ser = None if serializer.name == "pickle" else serializer.name.encode()
        self.default_timeout = default_timeout
        self.max_payload = max_payload
        self.key = secret_key()
        self._ids = new_job_ids(expected) if expected > 1 else []

    def _new_id(self) -> str:
        return self._ids.pop() if self._ids else new_job_id()

    def prepare(self, func: Callable[..., Any] | str, args: tuple[Any, ...],
                kwargs: dict[str, Any], options: EnqueueOptions | None) -> PreparedJob:
        """One job; ``options`` None means every default (the common case, kept cheap)."""
        func_name = func_reference(func)
        if options is None:
            job_id = self._new_id()
            data = dumps_arguments(self.serializer, args, kwargs)
            self._check_size(len(data))
            fields = self._call_fields(func_name, data)
            if self.default_timeout is not None:
                fields["timeout"] = str(self.default_timeout).encode()
            return PreparedJob(job_id, self._signed(fields), _NO_DEPENDENCIES, False, None, True)
        return self._prepare_with_options(func_name, args, kwargs, options)

    def _call_fields(self, func_name: str, data: bytes) -> dict[str, bytes]:
        fields = {"func": func_name.encode(), "data": data, "origin": self.origin,
                  "created_at": stamp().encode()}
        if self.ser is not None:
            fields["ser"] = self.ser
        return fields

    def _signed(self, fields: dict[str, bytes]) -> dict[str, bytes]:
        if self.key is not None:
            fields["sig"] = sign(self.key, signed_parts(fields)).encode()
        return fields

    def _prepare_with_options(self, func_name: str, args: tuple[Any, ...],
                              kwargs: dict[str, Any], options: EnqueueOptions) -> PreparedJob:
        generated = options.job_id is None
        job_id = self._new_id() if options.job_id is None else validate_job_id(options.job_id)
        timeout = parse_duration(options.job_timeout, what="job_timeout", allow_infinite=True)
        result_ttl = parse_duration(
            options.result_ttl, what="result_ttl", allow_infinite=True, allow_zero=True
        )
        failure_ttl = parse_duration(
            options.failure_ttl, what="failure_ttl", allow_infinite=True, allow_zero=True
        )
        ttl = parse_duration(options.ttl, what="ttl", allow_infinite=True)
        dependencies = (_NO_DEPENDENCIES if options.depends_on is None
                        else normalize_depends_on(options.depends_on))
        if job_id in dependencies.job_ids:
            raise InvalidDependencyError("a job cannot depend on itself")
        callbacks = {
            "success": Callback.wrap(options.on_success),
            "failure": Callback.wrap(options.on_failure),
            "stopped": Callback.wrap(options.on_stopped),
        }
        data = dumps_arguments(self.serializer, args, kwargs)
        meta = _dumps_meta(self.serializer, options.meta)
        self._check_size(len(data) + len(meta or b""))
        fields = self._call_fields(func_name, data)
        timeout = timeout if timeout is not None else self.default_timeout
        optional: dict[str, Any] = {
            "timeout": timeout,
            "result_ttl": result_ttl,
            "failure_ttl": failure_ttl,
            "ttl": ttl if ttl != -1 else None,
            "description": options.description,
            "meta": meta,
        }
        fields.update({k: v if isinstance(v, bytes) else str(v).encode()
                       for k, v in optional.items() if v is not None})
        for kind, callback in callbacks.items():
            if callback is not None:
                fields[f"cb_{kind}"] = callback.encode().encode()
        if dependencies.job_ids:
            fields["deps"] = ",".join(dependencies.job_ids).encode()
            if dependencies.allow_failure:
                fields["allow_fail"] = b"1"
            if dependencies.enqueue_at_front or options.at_front:
                fields["dep_front"] = b"1"
        if options.retry is not None:
            fields.update({k: v.encode() for k, v in options.retry.encode().items()})
        fields.update({k: v.encode() for k, v in options.extra_fields.items()})
        if not generated:  # redis-py resends a call whose reply was lost: know it again
            fields["request"] = new_job_id().encode()
        effective_ttl = ttl if ttl not in (None, -1) else None
        return PreparedJob(job_id, self._signed(fields), dependencies, bool(options.at_front),
                           effective_ttl, generated)

    def _check_size(self, size: int) -> None:
        if size > self.max_payload:
            shown, limit = format_bytes(size), format_bytes(self.max_payload)
            if shown.replace(".0 ", " ") == limit:  # just over the limit: rounding would hide it
                shown, limit = f"{size:,} bytes", f"{self.max_payload:,} bytes"
            raise PayloadTooLargeError(f"payload is {shown}; limit {limit}")


def signed_parts(fields: dict[str, Any]) -> list[bytes]:
    """What the signature covers: everything that decides which code runs with what input."""
    parts = []
    for name in ("func", "data", "ser", "cb_success", "cb_failure", "cb_stopped"):
        value = fields.get(name, b"")
        parts.append(value if isinstance(value, bytes) else str(value).encode())
    return parts


def _dumps_meta(serializer: Serializer, meta: dict[str, Any] | None) -> bytes | None:
    if not meta:
        return None
    try:
        return serializer.dumps(meta)
    except Exception as exc:
        raise SerializationError(
            f"cannot serialize meta with {serializer.name}: {type(exc).__name__}: {exc}"
        ) from exc
