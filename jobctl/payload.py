"""Turning a call and its enqueue options into the fields of a job hash, validating everything
before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class PreparedJob:
    """A validated job ready for the enqueue script."""

    job_id: str
    fields: dict[str, str | bytes]
    dependencies: DependencySpec
    at_front: bool
    ttl: int | None
    generated_id: bool = False
    """True when the id was made here (random): an existing job with it is our own resend."""


def func_reference(func: Callable[..., Any] | str) -> str:
    """The dotted path stored for ``func``; strings are checked for syntax only (seed point 4)."""
    if isinstance(func, str):
        return validate_callable_path(func)
    return callable_path(func)


def prepare_job(
    func: Callable[..., Any] | str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    options: EnqueueOptions,
    *,
    queue_name: str,
    serializer: Serializer,
    default_timeout: int | None = None,
    max_payload: int = defaults.MAX_PAYLOAD_BYTES,
) -> PreparedJob:
    """Validate and encode a job; raises a ValueError subclass for any bad input."""
    func_name = func_reference(func)
    job_id = validate_job_id(options.job_id) if options.job_id is not None else new_job_id()
    timeout = parse_duration(options.job_timeout, what="job_timeout", allow_infinite=True)
    result_ttl = parse_duration(
        options.result_ttl, what="result_ttl", allow_infinite=True, allow_zero=True
    )
    failure_ttl = parse_duration(
        options.failure_ttl, what="failure_ttl", allow_infinite=True, allow_zero=True
    )
    ttl = parse_duration(options.ttl, what="ttl", allow_infinite=True)
    dependencies = normalize_depends_on(options.depends_on)
    if job_id in dependencies.job_ids:
        raise InvalidDependencyError("a job cannot depend on itself")
    callbacks = {
        "success": Callback.wrap(options.on_success),
        "failure": Callback.wrap(options.on_failure),
        "stopped": Callback.wrap(options.on_stopped),
    }
    data = dumps_arguments(serializer, tuple(args), dict(kwargs))
    meta = _dumps_meta(serializer, options.meta)
    size = len(data) + len(meta or b"")
    if size > max_payload:
        shown, limit = format_bytes(size), format_bytes(max_payload)
        if shown.replace(".0 ", " ") == limit:  # just over the limit: rounding would hide it
            shown, limit = f"{size:,} bytes", f"{max_payload:,} bytes"
        raise PayloadTooLargeError(f"payload is {shown}; limit {limit}")
    fields: dict[str, str | bytes] = {
        "func": func_name,
        "data": data,
        "origin": queue_name,
        "created_at": stamp(),
    }
    if serializer.name != "pickle":
        fields["ser"] = serializer.name
    timeout = timeout if timeout is not None else default_timeout
    optional: dict[str, Any] = {
        "timeout": timeout,
        "result_ttl": result_ttl,
        "failure_ttl": failure_ttl,
        "ttl": ttl if ttl != -1 else None,
        "description": options.description,
        "meta": meta,
    }
    fields.update(
        {k: v if isinstance(v, bytes) else str(v) for k, v in optional.items() if v is not None}
    )
    for kind, callback in callbacks.items():
        if callback is not None:
            fields[f"cb_{kind}"] = callback.encode()
    if dependencies.job_ids:
        fields["deps"] = ",".join(dependencies.job_ids)
        if dependencies.allow_failure:
            fields["allow_fail"] = "1"
        if dependencies.enqueue_at_front or options.at_front:
            fields["dep_front"] = "1"
    if options.retry is not None:
        fields.update(options.retry.encode())
    fields.update(options.extra_fields)
    key = secret_key()
    if key is not None:
        fields["sig"] = sign(key, signed_parts(fields))
    effective_ttl = ttl if ttl not in (None, -1) else None
    return PreparedJob(job_id, fields, dependencies, options.at_front, effective_ttl,
                       generated_id=options.job_id is None)


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
