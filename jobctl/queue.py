"""Queues: named lists of job ids, created on first use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from redis import Redis

from jobctl import defaults, enqueuing, scripting
from jobctl.context import resolve_connection, resolve_keys
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.payload import OPTION_NAMES, EnqueueOptions, JobPreparer, PreparedJob
from jobctl.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from jobctl.serializers import Serializer, resolve_serializer
from jobctl.utils import decode, now, parse_duration, validate_queue_name

_EMPTY_BATCH = 500


class EnqueueData(NamedTuple):
    """One job for :meth:`Queue.enqueue_many`, made by :meth:`Queue.prepare_data`."""

    func: Callable[..., Any] | str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    options: EnqueueOptions | None
    """None: every option at its default."""


class Queue:
    """A named list of jobs; ``Queue(connection=r)`` is ``default``; ``is_async=False`` runs inline.

    Queues need no declaration: enqueueing into a name creates it.
    """

    def __init__(
        self,
        name: str = defaults.QUEUE_NAME,
        connection: Redis | None = None,
        is_async: bool = True,
        serializer: str | Serializer | None = None,
        default_timeout: int | str | None = None,
        namespace: str | None = None,
        *,
        keys: Keys | None = None,
        max_payload: int = defaults.MAX_PAYLOAD_BYTES,
    ) -> None:
        self.name = validate_queue_name(name)
        self.serializer = resolve_serializer(serializer)
        self.connection = resolve_connection(connection)
        self.is_async = is_async
        self.default_timeout = parse_duration(
            default_timeout, what="default_timeout", allow_infinite=True
        )
        self.keys = keys or resolve_keys(namespace)
        self.max_payload = max_payload

    @classmethod
    def all(
        cls, connection: Redis | None = None, namespace: str | None = None, **kwargs: Any
    ) -> list[Queue]:
        """Every queue that has been used, sorted by name."""
        connection = resolve_connection(connection)
        keys = resolve_keys(namespace)
        names = sorted(decode(n) for n in connection.smembers(keys.queues))
        return [cls(n, connection=connection, keys=keys, **kwargs) for n in names]

    @property
    def key(self) -> str:
        return self.keys.queue(self.name)

    # -- reading -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return True

    @property
    def count(self) -> int:
        return int(self.connection.llen(self.key))

    def is_empty(self) -> bool:
        return self.count == 0

    def get_job_ids(self, offset: int = 0, length: int = -1) -> list[str]:
        """Queued ids in the order they will run; ``length=-1`` means all."""
        end = -1 if length < 0 else offset + length - 1
        return [decode(i) for i in self.connection.lrange(self.key, offset, end)]

    @property
    def job_ids(self) -> list[str]:
        return self.get_job_ids()

    def get_jobs(self, offset: int = 0, length: int = -1) -> list[Job]:
        ids = self.get_job_ids(offset, length)
        jobs = Job.fetch_many(ids, self.connection, self.serializer, keys=self.keys)
        return [j for j in jobs if j is not None]

    @property
    def jobs(self) -> list[Job]:
        return self.get_jobs()

    def fetch_job(self, job_id: str) -> Job | None:
        """A job by id if it belongs to this queue, else None."""
        [job] = Job.fetch_many([job_id], self.connection, self.serializer, keys=self.keys)
        return job if job is not None and job.origin == self.name else None

    # -- registries ----------------------------------------------------------------------------

    def _registry_args(self) -> dict[str, Any]:
        return {"name": self.name, "connection": self.connection, "queue": self}

    @property
    def started_job_registry(self) -> StartedJobRegistry:
        return StartedJobRegistry(**self._registry_args())

    @property
    def finished_job_registry(self) -> FinishedJobRegistry:
        return FinishedJobRegistry(**self._registry_args())

    @property
    def failed_job_registry(self) -> FailedJobRegistry:
        return FailedJobRegistry(**self._registry_args())

    @property
    def deferred_job_registry(self) -> DeferredJobRegistry:
        return DeferredJobRegistry(**self._registry_args())

    @property
    def scheduled_job_registry(self) -> ScheduledJobRegistry:
        return ScheduledJobRegistry(**self._registry_args())

    @property
    def canceled_job_registry(self) -> CanceledJobRegistry:
        return CanceledJobRegistry(**self._registry_args())

    # -- enqueueing ----------------------------------------------------------------------------

    def enqueue(self, f: Callable[..., Any] | str, *args: Any, **kwargs: Any) -> Job:
        """Enqueue ``f(*args, **kwargs)``; enqueue options are taken out of ``kwargs``.

        Pass ``args=``/``kwargs=`` explicitly when the function's own parameters are named like
        an option (``ttl``, ``description``).
        """
        if not kwargs:
            return self._enqueue(f, args, kwargs, None)
        options, args, kwargs = _split_options(args, kwargs, strict=True)
        return self._enqueue(f, args, kwargs, options)

    def enqueue_call(
        self,
        func: Callable[..., Any] | str,
        args: tuple[Any, ...] | list[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
        timeout: int | str | None = None,
        *,
        options: EnqueueOptions | None = None,
        **option_kwargs: Any,
    ) -> Job:
        """RQ's explicit form: ``enqueue_call(func, args=(...), kwargs={...}, timeout=...)``."""
        if options is None:
            unknown = set(option_kwargs) - OPTION_NAMES
            if unknown:
                raise TypeError(f"unknown enqueue option(s): {', '.join(sorted(unknown))}")
            options = EnqueueOptions(**option_kwargs)
        if timeout is not None:
            options.job_timeout = timeout
        return self._enqueue(func, tuple(args or ()), dict(kwargs or {}), options)

    def _enqueue(self, func: Callable[..., Any] | str, args: tuple[Any, ...],
                 kwargs: dict[str, Any], options: EnqueueOptions | None) -> Job:
        prepared = self._preparer().prepare(func, args, kwargs, options)
        job = self.enqueue_prepared(prepared)
        if not self.is_async:
            from jobctl.lifecycle import run_synchronously

            run_synchronously(job, self)
        return job

    def enqueue_at(self, datetime: datetime, f: Callable[..., Any] | str, *args: Any,
                   **kwargs: Any) -> Job:
        """Enqueue ``f`` to run at ``datetime`` (aware, or naive meaning UTC).

        A worker started with the scheduler moves it into the queue when it is due.
        """
        return self._enqueue_scheduled(_timestamp(datetime), f, args, kwargs)

    def enqueue_in(self, time_delta: timedelta, f: Callable[..., Any] | str, *args: Any,
                   **kwargs: Any) -> Job:
        """Enqueue ``f`` to run after ``time_delta``."""
        return self._enqueue_scheduled(now() + time_delta.total_seconds(), f, args, kwargs)

    def _enqueue_scheduled(self, due: float, f: Callable[..., Any] | str,
                           args: tuple[Any, ...], kwargs: dict[str, Any]) -> Job:
        options, args, kwargs = _split_options(args, kwargs, strict=False)
        prepared = self._preparer().prepare(f, args, kwargs, options)
        return self.enqueue_prepared(prepared, due=due)

    def _preparer(self, expected: int = 1) -> JobPreparer:
        return JobPreparer(self.name, self.serializer, self.default_timeout, self.max_payload,
                           expected=expected)

    def enqueue_prepared(self, prepared: PreparedJob, due: float | None = None) -> Job:
        """Write a validated job in one round trip (one script); ``due`` schedules it."""
        if due is None and not prepared.dependencies.job_ids:
            command = enqueuing.short_command(self.keys, self.name, prepared)
        else:
            command = enqueuing.script_command(self.keys, self.name, [prepared], due)
        [reply] = scripting.ENQUEUE.run_commands(self.connection, [command])
        outcome = enqueuing.outcome(reply, prepared)
        if isinstance(outcome, Exception):
            raise outcome
        return self._written_job(prepared, outcome)

    @staticmethod
    def prepare_data(
        func: Callable[..., Any] | str,
        args: tuple[Any, ...] | list[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
        timeout: int | str | None = None,
        **options: Any,
    ) -> EnqueueData:
        """Describe one job for :meth:`enqueue_many` (RQ's shape; options as for enqueue)."""
        if timeout is not None:
            options["job_timeout"] = timeout
        if not options:
            return EnqueueData(func, tuple(args or ()), dict(kwargs or {}), None)
        unknown = set(options) - OPTION_NAMES
        if unknown:
            raise TypeError(f"unknown enqueue option(s): {', '.join(sorted(unknown))}")
        return EnqueueData(func, tuple(args or ()), dict(kwargs or {}), EnqueueOptions(**options))

    def enqueue_many(self, job_datas: list[EnqueueData]) -> list[Job]:
        """Enqueue many jobs in one round trip; every job is validated before any is written.

        Jobs are written in order by one script call per batch of up to a thousand, each job
        as if by its own call: a job id that already exists (or a missing dependency) fails
        alone, and the first such error is raised after the other jobs were written.
        """
        if not job_datas:
            return []
        preparer = self._preparer(expected=len(job_datas))
        prepared = [preparer.prepare(d.func, d.args, d.kwargs, d.options) for d in job_datas]
        batches = list(enqueuing.batches(prepared))
        commands = [enqueuing.script_command(self.keys, self.name, b, None) for b in batches]
        replies = scripting.ENQUEUE.run_commands(self.connection, commands)
        jobs: list[Job] = []
        errors: list[Exception] = []
        for batch, reply in zip(batches, replies, strict=True):
            for item, outcome in zip(batch, enqueuing.outcomes(reply, batch), strict=True):
                if isinstance(outcome, Exception):
                    errors.append(outcome)
                else:
                    jobs.append(self._written_job(item, outcome))
        if errors:
            raise errors[0]
        return jobs

    def _written_job(self, prepared: PreparedJob, status: bytes) -> Job:
        """The Job just written, built from what was sent: no read back."""
        job = Job(
            prepared.job_id, connection=self.connection, serializer=self.serializer, keys=self.keys
        )
        job.adopt_fields({**prepared.fields, "status": status})
        return job

    # -- pausing -----------------------------------------------------------------------------

    @property
    def is_paused(self) -> bool:
        return bool(self.connection.sismember(self.keys.paused, self.name))

    def pause(self) -> None:
        """Workers stop taking jobs from this queue (running jobs go on); enqueueing still works."""
        self.connection.sadd(self.keys.paused, self.name)

    def resume(self) -> None:
        """Undo :meth:`pause` and wake a blocked worker so queued jobs start at once."""
        pipe = self.connection.pipeline(transaction=True)
        pipe.srem(self.keys.paused, self.name)
        pipe.lpush(self.keys.wake(self.name), "1")
        pipe.ltrim(self.keys.wake(self.name), 0, 0)
        pipe.execute()

    # -- removing ----------------------------------------------------------------------------

    def empty(self) -> int:
        """Remove every queued job (and its data); returns how many were removed."""
        removed = 0
        while True:
            ids = self.get_job_ids(0, _EMPTY_BATCH)
            if not ids:
                return removed
            keys = [self.key]
            for job_id in ids:
                keys += [self.keys.job(job_id), self.keys.dependents(job_id)]
            removed += int(scripting.REMOVE_QUEUED(self.connection, keys, ids))

    def delete(self, delete_jobs: bool = True) -> None:
        """Delete the queue (and by default its queued jobs); enqueueing re-creates it."""
        if delete_jobs:
            self.empty()
        pipe = self.connection.pipeline(transaction=True)
        pipe.delete(self.key, self.keys.wake(self.name))
        pipe.srem(self.keys.queues, self.name)
        pipe.srem(self.keys.paused, self.name)
        pipe.execute()

    def __repr__(self) -> str:
        return f"Queue({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Queue) and other.name == self.name and other.keys == self.keys

    def __hash__(self) -> int:
        return hash((self.name, self.keys))


def _split_options(args: tuple[Any, ...], kwargs: dict[str, Any], strict: bool
                   ) -> tuple[EnqueueOptions | None, tuple[Any, ...], dict[str, Any]]:
    """Take enqueue options out of a call's keyword arguments (None when there are none), and
    honour explicit ``args=``/``kwargs=`` (``strict``: refused together with positional ones)."""
    picked = {k: kwargs.pop(k) for k in list(kwargs) if k in OPTION_NAMES}
    options = EnqueueOptions(**picked) if picked else None
    if "args" in kwargs or "kwargs" in kwargs:
        if strict and args:
            raise TypeError("pass either positional arguments or args=, not both")
        args = tuple(kwargs.pop("args", None) or ())
        kwargs = dict(kwargs.pop("kwargs", None) or {}, **kwargs)
    return options, args, kwargs


def _timestamp(moment: datetime) -> float:
    """Epoch seconds; a naive datetime is taken as UTC (documented)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
