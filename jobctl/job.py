"""The Job: a proxy to one call's state, arguments and outcome stored in a Redis hash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jobctl import defaults
from jobctl.callbacks import Callback
from jobctl.context import resolve_connection, resolve_keys
from jobctl.exceptions import InvalidJobOperation, NoSuchJobError
from jobctl.fields import INT_FIELDS, as_int, as_number, as_text, corrupted, enqueued_at_field
from jobctl.keys import Keys
from jobctl.serializers import (
    Serializer,
    loads_arguments,
    resolve_serializer,
    serializer_by_name,
)
from jobctl.status import JobStatus
from jobctl.utils import new_job_id, now, resolve_callable, utc_from_timestamp, validate_job_id

if TYPE_CHECKING:
    from redis import Redis

_MISSING = object()


class Job:
    """One job. ``Queue.enqueue`` creates it; ``Job.fetch`` loads it; attributes read Redis lazily.

    ``job.result`` and ``job.get_status()`` go back to Redis, so a Job returned by ``enqueue``
    shows the outcome once a worker has run it, as the seed promises.
    """

    def __init__(
        self,
        id: str | None = None,
        connection: Redis | None = None,
        serializer: str | Serializer | None = None,
        namespace: str | None = None,
        *,
        keys: Keys | None = None,
    ) -> None:
        self.id = validate_job_id(id) if id is not None else new_job_id()
        self._connection = connection
        self.serializer = resolve_serializer(serializer)
        self.keys = keys or resolve_keys(namespace)
        self._fields: dict[str, bytes] = {}
        self._args: Any = _MISSING
        self._meta: dict[str, Any] | None = None
        self._result: Any = _MISSING

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def fetch(
        cls,
        id: str,
        connection: Redis | None = None,
        serializer: str | Serializer | None = None,
        namespace: str | None = None,
        *,
        keys: Keys | None = None,
    ) -> Job:
        """Load a job by id; raises NoSuchJobError when it does not exist (or expired)."""
        job = cls(id, connection=connection, serializer=serializer, namespace=namespace, keys=keys)
        job.refresh()
        return job

    @classmethod
    def fetch_many(
        cls,
        job_ids: list[str],
        connection: Redis | None = None,
        serializer: str | Serializer | None = None,
        namespace: str | None = None,
        *,
        keys: Keys | None = None,
    ) -> list[Job | None]:
        """Load several jobs in one round trip; missing ones come back as None."""
        connection = resolve_connection(connection)
        keys = keys or resolve_keys(namespace)
        pipe = connection.pipeline(transaction=False)
        for job_id in job_ids:
            pipe.hgetall(keys.job(job_id))
        jobs: list[Job | None] = []
        for job_id, fields in zip(job_ids, pipe.execute(), strict=True):
            if not fields:
                jobs.append(None)
                continue
            job = cls(job_id, connection=connection, serializer=serializer, keys=keys)
            job._load(fields)
            jobs.append(job)
        return jobs

    @classmethod
    def exists(
        cls, job_id: str, connection: Redis | None = None, namespace: str | None = None
    ) -> bool:
        return bool(resolve_connection(connection).exists(resolve_keys(namespace).job(job_id)))

    @classmethod
    def from_fields(
        cls,
        job_id: str,
        fields: dict[bytes, bytes],
        connection: Redis | None,
        keys: Keys,
        serializer: Serializer | None = None,
    ) -> Job:
        """Build a Job from a hash already read (e.g. returned by the start script)."""
        job = cls(job_id, connection=connection, serializer=serializer, keys=keys)
        job._load(fields)
        return job

    def refresh(self) -> None:
        """Re-read the whole hash."""
        fields = self.connection.hgetall(self.key)
        if not fields:
            raise NoSuchJobError(f"no such job {self.id!r}")
        self._load(fields)

    @classmethod
    def rebuild(cls, job_id: str, stored: dict[str, bytes], connection: Redis | None,
                keys: Keys, serializer: Serializer | None = None) -> Job:
        """The job another process holds, from its ``stored_fields()`` (a work-horse)."""
        job = cls(job_id, connection=connection, serializer=serializer, keys=keys)
        job._use(stored)
        return job

    def stored_fields(self) -> dict[str, bytes]:
        """The job's hash as last read or written (a standby work-horse rebuilds the job)."""
        return dict(self._fields)

    def adopt_fields(self, fields: dict[str, bytes]) -> None:
        """Take the fields this process just wrote with this job's serializer (enqueue)."""
        self._fields = fields

    def _load(self, fields: dict[bytes, bytes]) -> None:
        self._use({k.decode(): v for k, v in fields.items()})

    def _use(self, fields: dict[str, bytes]) -> None:
        self._fields = fields
        self._args = _MISSING
        self._meta = None
        self._result = _MISSING
        ser = as_text(self._fields.get("ser"))
        if ser:
            self.serializer = serializer_by_name(ser, self.serializer)

    @property
    def connection(self) -> Redis:
        """Resolved on first use, so a work-horse forked without redis-py imports it only
        when the job itself talks to Redis."""
        if self._connection is None:
            self._connection = resolve_connection(None)
        return self._connection

    @connection.setter
    def connection(self, value: Redis) -> None:
        self._connection = value

    # -- identity and call -------------------------------------------------------------------

    @property
    def key(self) -> str:
        return self.keys.job(self.id)

    @property
    def func_name(self) -> str:
        return as_text(self._fields.get("func")) or ""

    @property
    def func(self) -> Callable[..., Any]:
        return resolve_callable(self.func_name)

    def _decode_call(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if self._args is _MISSING:
            data = self._fields.get("data")
            self._args = loads_arguments(self.serializer, data) if data else ((), {})
        return self._args  # type: ignore[no-any-return]

    @property
    def args(self) -> tuple[Any, ...]:
        return self._decode_call()[0]

    @property
    def kwargs(self) -> dict[str, Any]:
        return self._decode_call()[1]

    @property
    def description(self) -> str:
        return as_text(self._fields.get("description")) or self.get_call_string()

    def get_call_string(self, limit: int = 200) -> str:
        """``module.func(1, 'a', key=2)``, shortened to ``limit`` characters."""
        try:
            args, kwargs = self._decode_call()
        except Exception:
            return f"{self.func_name}(<undecodable arguments>)"
        parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        text = f"{self.func_name}({', '.join(parts)})"
        return text if len(text) <= limit else text[: limit - 3] + "..."

    # -- stored attributes -----------------------------------------------------------------

    @property
    def origin(self) -> str:
        return as_text(self._fields.get("origin")) or defaults.QUEUE_NAME

    @property
    def timeout(self) -> int:
        return as_int(self._fields.get("timeout")) or defaults.JOB_TIMEOUT

    @property
    def result_ttl(self) -> int:
        value = as_int(self._fields.get("result_ttl"))
        return defaults.RESULT_TTL if value is None else value

    @property
    def failure_ttl(self) -> int:
        value = as_int(self._fields.get("failure_ttl"))
        return defaults.FAILURE_TTL if value is None else value

    @property
    def ttl(self) -> int | None:
        return as_int(self._fields.get("ttl"))

    @property
    def created_at(self) -> datetime | None:
        return utc_from_timestamp(as_number(self._fields.get("created_at")))

    @property
    def enqueued_at(self) -> datetime | None:
        """When the job last entered its queue (created_at if it was queued when created)."""
        return utc_from_timestamp(as_number(enqueued_at_field(self._fields)))

    @property
    def started_at(self) -> datetime | None:
        return utc_from_timestamp(as_number(self._fields.get("started_at")))

    @property
    def ended_at(self) -> datetime | None:
        return utc_from_timestamp(as_number(self._fields.get("ended_at")))

    @property
    def worker_name(self) -> str | None:
        return as_text(self._fields.get("worker"))

    @property
    def dependency_ids(self) -> list[str]:
        deps = as_text(self._fields.get("deps"))
        return deps.split(",") if deps else []

    @property
    def allow_dependency_failure(self) -> bool:
        return self._fields.get("allow_fail") == b"1"

    @property
    def dependent_ids(self) -> list[str]:
        """Jobs still waiting on this one (read from Redis)."""
        return sorted(m.decode() for m in self.connection.smembers(self.keys.dependents(self.id)))

    @property
    def retries_left(self) -> int | None:
        return as_int(self._fields.get("retries_left"))

    @property
    def retry_intervals(self) -> list[int]:
        text = as_text(self._fields.get("retry_intervals"))
        intervals = [as_int(i) for i in text.split(",")] if text else []
        return [i for i in intervals if i is not None]

    def callback(self, kind: str) -> Callback | None:
        """The ``success``, ``failure`` or ``stopped`` callback, if any."""
        raw = self._fields.get(f"cb_{kind}")
        return Callback.decode(as_text(raw) or "") if raw else None  # read 7 times a run

    def check_fields(self) -> None:
        """Raise DeserializationError naming a stored field that cannot be read (a corrupted
        hash). The properties read such a field as unset, so the job can still be settled."""
        for name in INT_FIELDS:
            raw = self._fields.get(name)
            if raw is not None and as_int(raw) is None:
                raise corrupted(name, raw)
        intervals = as_text(self._fields.get("retry_intervals"))
        if intervals and any(as_int(i) is None for i in intervals.split(",")):
            raise corrupted("retry_intervals", intervals)
        for kind in ("success", "failure", "stopped"):
            try:
                self.callback(kind)
            except ValueError:
                raise corrupted(f"cb_{kind}", self._fields[f"cb_{kind}"]) from None

    @property
    def success_callback(self) -> Callback | None:
        return self.callback("success")

    @property
    def failure_callback(self) -> Callback | None:
        return self.callback("failure")

    @property
    def stopped_callback(self) -> Callback | None:
        return self.callback("stopped")

    def field(self, name: str) -> bytes | None:
        """A raw stored field, for tools that must not decode payloads."""
        return self._fields.get(name)

    # -- meta ------------------------------------------------------------------------------

    @property
    def meta(self) -> dict[str, Any]:
        """Free-form data for the job's own use; persist changes with :meth:`save_meta`."""
        if self._meta is None:
            raw = self._fields.get("meta")
            self._meta = self.serializer.loads(raw) if raw else {}
        return self._meta

    @meta.setter
    def meta(self, value: dict[str, Any]) -> None:
        self._meta = value

    def save_meta(self) -> None:
        self.connection.hset(self.key, "meta", self.serializer.dumps(self.meta))

    # -- status and outcome ----------------------------------------------------------------

    def get_status(self, refresh: bool = True) -> JobStatus | None:
        """The current status, or None if the job no longer exists."""
        if refresh:
            raw = self.connection.hget(self.key, "status")
            if raw is None:
                return None
            self._fields["status"] = raw
        raw_status = self._fields.get("status")
        return JobStatus(raw_status.decode()) if raw_status else None

    def set_status(self, status: JobStatus) -> None:
        self.connection.hset(self.key, "status", status.value)
        self._fields["status"] = status.value.encode()

    @property
    def is_finished(self) -> bool:
        return self.get_status() == JobStatus.FINISHED

    @property
    def is_failed(self) -> bool:
        return self.get_status() == JobStatus.FAILED

    @property
    def is_queued(self) -> bool:
        return self.get_status() == JobStatus.QUEUED

    @property
    def is_started(self) -> bool:
        return self.get_status() == JobStatus.STARTED

    @property
    def is_deferred(self) -> bool:
        return self.get_status() == JobStatus.DEFERRED

    @property
    def is_canceled(self) -> bool:
        return self.get_status() == JobStatus.CANCELED

    @property
    def is_stopped(self) -> bool:
        return self.get_status() == JobStatus.STOPPED

    @property
    def is_scheduled(self) -> bool:
        return self.get_status() == JobStatus.SCHEDULED

    def return_value(self, refresh: bool = False) -> Any:
        """The function's return value once finished, else None."""
        if refresh or self._result is _MISSING:
            raw = self.connection.hget(self.key, "result")
            if raw is None:
                return None
            self._result = self.serializer.loads(bytes(raw))
        return self._result

    @property
    def result(self) -> Any:
        """The return value, fetched from Redis until it is there (None before that)."""
        return self.return_value()

    @property
    def exc_info(self) -> str | None:
        """The traceback of the last failure, as text."""
        return as_text(self.connection.hget(self.key, "exc_info"))

    # -- operations --------------------------------------------------------------------------

    def cancel(self) -> None:
        """Take a queued, deferred or scheduled job out and keep it as canceled."""
        queue = self.origin if self._fields else self._load_origin()
        from jobctl import scripting  # redis-py: not needed to run a job
        reply = scripting.CANCEL(
            self.connection,
            [
                self.key,
                self.keys.queue(queue),
                self.keys.registry("deferred", queue),
                self.keys.registry("scheduled", queue),
                self.keys.registry("canceled", queue),
            ],
            [self.id, now(), self.failure_ttl],
        )
        self._check_reply(reply, "cancel")

    def requeue(self, at_front: bool = False) -> Job:
        """Put a failed, stopped or canceled job back in its queue."""
        queue = self.origin if self._fields else self._load_origin()
        from jobctl import scripting  # redis-py: not needed to run a job
        reply = scripting.REQUEUE(
            self.connection,
            [
                self.key,
                self.keys.queue(queue),
                self.keys.wake(queue),
                self.keys.registry("failed", queue),
                self.keys.registry("canceled", queue),
                self.keys.queues,
            ],
            [self.id, now(), "1" if at_front else "0", queue],
        )
        self._check_reply(reply, "requeue")
        return self

    def delete(self, remove_from_queue: bool = True, delete_dependents: bool = False) -> None:
        """Remove the job from its queue and every registry, and forget it."""
        fields = self.connection.hmget(self.key, "origin", "deps")
        queue = as_text(fields[0]) or self.origin
        deps = as_text(fields[1])
        if delete_dependents:
            for dependent_id in self.dependent_ids:
                Job(dependent_id, connection=self.connection, keys=self.keys).delete(
                    delete_dependents=True
                )
        registry_keys = [
            self.keys.registry(kind, queue)
            for kind in ("started", "finished", "failed", "canceled", "deferred", "scheduled")
        ]
        dependency_sets = [self.keys.dependents(d) for d in deps.split(",")] if deps else []
        from jobctl import scripting  # redis-py: not needed to run a job
        scripting.DELETE(
            self.connection,
            [
                self.key,
                self.keys.dependents(self.id),
                self.keys.queue(queue),
                *registry_keys,
                *dependency_sets,
            ],
            [self.id],
        )

    def _load_origin(self) -> str:
        origin = self.connection.hget(self.key, "origin")
        if origin is None:
            raise NoSuchJobError(f"no such job {self.id!r}")
        self._fields["origin"] = bytes(origin)
        return bytes(origin).decode()

    def _check_reply(self, reply: list[bytes], action: str) -> None:
        outcome = reply[0].decode()
        if outcome == "missing":
            raise NoSuchJobError(f"no such job {self.id!r}")
        if outcome == "bad":
            raise InvalidJobOperation(
                f"cannot {action} job {self.id!r}: its status is {reply[1].decode()}"
            )
        self.refresh()

    def __repr__(self) -> str:
        return f"Job({self.id!r}, func={self.func_name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Job) and other.id == self.id and other.keys == self.keys

    def __hash__(self) -> int:
        return hash((self.id, self.keys))
