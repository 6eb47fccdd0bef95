"""Running one job and recording its outcome: shared by the forking worker, the in-process
worker and synchronous queues, so all three behave the same."""

from __future__ import annotations

import contextlib
import traceback
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redis import Redis

from jobctl import scripting
from jobctl.context import set_current_job
from jobctl.dependencies import dependent_groups
from jobctl.exceptions import (
    CallableNotAllowedError,
    DeserializationError,
    InvalidCallableError,
    NoSuchJobError,
)
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.payload import signed_parts
from jobctl.retry import Retry
from jobctl.serializers import loads_arguments, secret_key, verify
from jobctl.status import JobStatus
from jobctl.timeouts import time_limit
from jobctl.utils import now, resolve_callable

if TYPE_CHECKING:
    from jobctl.queue import Queue

DENIED_CALLABLES = (
    "os.system",
    "os.popen",
    "os.exec",
    "os.spawn",
    "os.kill",
    "os.remove",
    "os.unlink",
    "posix.",
    "subprocess.",
    "builtins.eval",
    "builtins.exec",
    "builtins.compile",
    "builtins.__import__",
    "builtins.open",
    "pickle.",
    "marshal.",
    "shutil.",
    "ctypes.",
    "importlib.",
    "runpy.",
)
"""Prefixes of callables no job may name, whatever ``--allow`` says: in a job payload they
only serve an attacker who can write to Redis."""

_SETTLE_ATTEMPTS = 20


@dataclass
class Outcome:
    """What running a job produced, in a form the parent process can settle."""

    status: JobStatus
    result: bytes = b""
    exc_info: str = ""
    retryable: bool = True


def check_allowed(func_name: str, allow: tuple[str, ...] = ()) -> None:
    """Refuse denylisted callables and, when prefixes are given, anything outside them."""
    dotted = func_name.replace(":", ".")
    if dotted.startswith(DENIED_CALLABLES):
        raise CallableNotAllowedError(f"callable {func_name!r} is not allowed (denylist)")
    if allow and not any(dotted == p or dotted.startswith(p.rstrip(".") + ".") for p in allow):
        raise CallableNotAllowedError(
            f"callable {func_name!r} is not allowed: outside --allow {', '.join(allow)}"
        )


def load_call(job: Job, allow: tuple[str, ...] = ()) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    """Verify, vet, import and decode a job, in that order: nothing unpickled before trust."""
    key = secret_key()
    if key is not None:
        fields = {
            name: job.field(name)
            for name in ("func", "data", "ser", "cb_success", "cb_failure", "cb_stopped")
        }
        verify(
            key, signed_parts({k: v for k, v in fields.items() if v is not None}), job.field("sig")
        )
    job.check_fields()
    check_allowed(job.func_name, allow)
    for kind in ("success", "failure", "stopped"):  # callbacks are callables the worker runs
        callback = job.callback(kind)
        if callback is not None:
            check_allowed(callback.func_name, allow)
    func = resolve_callable(job.func_name)
    try:
        args, kwargs = loads_arguments(job.serializer, job.field("data") or b"")
    except DeserializationError:
        raise
    except Exception as exc:
        raise DeserializationError(f"cannot decode payload: {type(exc).__name__}: {exc}") from exc
    return func, args, kwargs


def perform(job: Job, connection: Redis, allow: tuple[str, ...] = ()) -> Outcome:
    """Run the job's function and its callbacks in this process under their time limits."""
    set_current_job(job)
    try:
        try:
            func, args, kwargs = load_call(job, allow)
        except (DeserializationError, InvalidCallableError, CallableNotAllowedError) as exc:
            return Outcome(
                JobStatus.FAILED, exc_info=f"{type(exc).__name__}: {exc}", retryable=False
            )
        try:
            with time_limit(job.timeout, f"job {job.id}"):
                value = func(*args, **kwargs)
            result = _dumps_result(job, value)
            callback = job.success_callback
            if callback is not None:
                callback(job, connection, value)
        except Exception as exc:
            return _failed(job, connection, exc)
        return Outcome(JobStatus.FINISHED, result=result)
    finally:
        set_current_job(None)


def _dumps_result(job: Job, value: Any) -> bytes:
    try:
        return job.serializer.dumps(value)
    except Exception as exc:
        raise TypeError(f"cannot serialize the result with {job.serializer.name}: {exc}") from exc


def _failed(job: Job, connection: Redis, exc: Exception) -> Outcome:
    text = "".join(traceback.format_exception(exc))
    callback = job.failure_callback
    if callback is not None:
        try:
            callback(job, connection, type(exc), exc, exc.__traceback__)
        except Exception as callback_exc:
            text += "\nThe failure callback raised too:\n" + "".join(
                traceback.format_exception(callback_exc)
            )
    return Outcome(JobStatus.FAILED, exc_info=text)


def run_stopped_callback(job: Job, connection: Redis) -> str:
    """Run ``on_stopped`` (in the process that stopped the job); returns an error text or ""."""
    callback = job.stopped_callback
    if callback is None:
        return ""
    try:
        callback(job, connection)
    except Exception as exc:
        return "\nThe stopped callback raised:\n" + "".join(traceback.format_exception(exc))
    return ""


def settle(
    connection: Redis, keys: Keys, job: Job, outcome: Outcome, token: str, worker_name: str = ""
) -> list[str]:
    """Record the outcome if ``token`` still owns the job; returns the dependents released.

    The settling script refuses when the job gained dependents since they were read, so the
    loop re-reads them; every attempt is atomic.
    """
    group_keys: list[str] = []
    group_args: list[str] = []
    for _ in range(_SETTLE_ATTEMPTS):
        reply = _settle_once(
            connection, keys, job, outcome, token, worker_name, group_keys, group_args
        )
        verdict = reply[0].decode()
        if verdict != "dependents":
            return [r.decode() for r in reply[1:]] if verdict in ("ok", "failed") else []
        group_keys, group_args = dependent_groups(connection, keys, job.id)
    raise RuntimeError(f"could not settle job {job.id}: its dependents keep changing")


def _settle_once(
    connection: Redis,
    keys: Keys,
    job: Job,
    outcome: Outcome,
    token: str,
    worker_name: str,
    group_keys: list[str],
    group_args: list[str],
) -> Any:
    queue = job.origin
    worker_key = keys.worker(worker_name) if worker_name else keys.worker("-")
    ndependents = str(len(group_args) // 2)
    minute = int(now() // 60)
    if outcome.status == JobStatus.FINISHED:
        return scripting.FINISH(
            connection,
            [
                job.key,
                keys.registry("started", queue),
                keys.registry("finished", queue),
                worker_key,
                keys.dependents(job.id),
                keys.throughput(queue, minute, "finished"),
                *group_keys,
            ],
            [
                job.id,
                token,
                repr(now()),
                job.result_ttl,
                outcome.result,
                worker_name,
                ndependents,
                *group_args,
            ],
        )
    retry_delay = ""
    if outcome.retryable and outcome.status == JobStatus.FAILED and job.retries_left:
        max_retries = int(job.field("retries_max") or job.retries_left)
        retry_delay = str(Retry.delay_for(job.retries_left, max_retries, job.retry_intervals))
    return scripting.FAIL(
        connection,
        [
            job.key,
            keys.registry("started", queue),
            keys.registry("failed", queue),
            worker_key,
            keys.dependents(job.id),
            keys.queue(queue),
            keys.wake(queue),
            keys.registry("scheduled", queue),
            keys.throughput(queue, minute, "failed"),
            *group_keys,
        ],
        [
            job.id,
            token,
            repr(now()),
            job.failure_ttl,
            outcome.status.value,
            outcome.exc_info,
            worker_name,
            retry_delay,
            ndependents,
            *group_args,
        ],
    )


def new_token() -> str:
    """A fresh execution token: only the execution holding it may settle the job."""
    return uuid.uuid4().hex


def start(
    connection: Redis,
    keys: Keys,
    queue: str,
    job_id: str,
    token: str,
    worker_name: str = "",
    serializer: Any = None,
) -> Job | None:
    """Mark a claimed job started under ``token``; None when it expired while queued."""
    fields = scripting.START(
        connection,
        [
            keys.job(job_id),
            keys.registry("started", queue),
            keys.worker(worker_name) if worker_name else keys.worker("-"),
        ],
        [job_id, token, worker_name, repr(now())],
    )
    if not fields:
        return None
    pairs = dict(zip(fields[::2], fields[1::2], strict=True))
    return Job.from_fields(job_id, pairs, connection, keys, serializer)


def run_synchronously(job: Job, queue: Queue) -> None:
    """``Queue(is_async=False)``: run the job (and dependents it releases) right here."""
    pending = [job.id]
    while pending:
        job_id = pending.pop(0)
        token = new_token()
        lease = repr(now() + 3600)
        claimed = scripting.CLAIM_JOB(
            queue.connection,
            [queue.keys.queue(queue.name), queue.keys.registry("started", queue.name)],
            [job_id, lease],
        )
        if not claimed:
            continue
        running = start(
            queue.connection, queue.keys, queue.name, job_id, token, serializer=queue.serializer
        )
        if running is None:
            continue
        outcome = perform(running, queue.connection)
        pending += settle(queue.connection, queue.keys, running, outcome, token)
    with contextlib.suppress(NoSuchJobError):
        job.refresh()
