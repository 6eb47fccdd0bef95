"""Running one job and recording its outcome: shared by the forking worker, the in-process
worker and synchronous queues, so all three behave the same."""

from __future__ import annotations

import pickle
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobctl.context import set_current_job
from jobctl.exceptions import (
    CallableNotAllowedError,
    DeserializationError,
    InvalidCallableError,
    StopRequested,
)
from jobctl.job import Job
from jobctl.payload import signed_parts
from jobctl.serializers import loads_arguments, secret_key, verify
from jobctl.status import JobStatus
from jobctl.timeouts import time_limit
from jobctl.utils import resolve_callable

if TYPE_CHECKING:
    from redis import Redis

    from jobctl.keys import Keys
    from jobctl.serializers import Serializer

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
    imported: tuple[str, ...] = ()
    """Modules a fork-server work-horse imported for the job: the server imports them too,
    so the next work-horses start with them (filled in by the work-horse, not by perform)."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as plain values: a work-horse sends one per job, and pickling a dataclass
        and an enum member touches (so copies, after a fork) more of its memory."""
        return (_outcome, (self.status.value, self.result, self.exc_info, self.retryable,
                           self.imported))


def _outcome(status: str, result: bytes, exc_info: str, retryable: bool,
             imported: tuple[str, ...]) -> Outcome:
    return Outcome(JobStatus(status), result, exc_info, retryable, imported)


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


def job_message(job: Job) -> bytes:
    """What a worker hands its work-horse: the job's id and stored fields (the parent's own
    data, so the child reads nothing from Redis before it runs the job)."""
    return pickle.dumps((job.id, job.stored_fields()), protocol=pickle.HIGHEST_PROTOCOL)


def perform_message(message: bytes, connection: Redis | None, keys: Keys,
                    serializer: Serializer, allow: tuple[str, ...] = ()) -> Outcome:
    """In a work-horse: rebuild the job of a ``job_message`` and run it."""
    job_id, fields = pickle.loads(message)
    return perform(Job.rebuild(job_id, fields, connection, keys, serializer), allow)


def perform(job: Job, allow: tuple[str, ...] = ()) -> Outcome:
    """Run the job's function and its callbacks in this process under their time limits.

    Callbacks get ``job.connection``, made on first use: a job without callbacks that does not
    talk to Redis runs without a client (and, in a fork-server work-horse, without redis-py).
    """
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
                callback(job, job.connection, value)
        except StopRequested:
            raise  # the in-process worker turns it into a stopped outcome
        except Exception as exc:
            return _failed(job, exc)
        return Outcome(JobStatus.FINISHED, result=result)
    finally:
        set_current_job(None)


def _dumps_result(job: Job, value: Any) -> bytes:
    try:
        return job.serializer.dumps(value)
    except Exception as exc:
        raise TypeError(f"cannot serialize the result with {job.serializer.name}: {exc}") from exc


def _failed(job: Job, exc: Exception) -> Outcome:
    text = "".join(traceback.format_exception(exc))
    callback = job.failure_callback
    if callback is not None:
        try:
            callback(job, job.connection, type(exc), exc, exc.__traceback__)
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
