"""Job bodies for the tests, importable by workers like a user's own module."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from jobctl import get_current_job


def add(x: int, y: int) -> int:
    return x + y


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def echo(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {"args": list(args), "kwargs": kwargs}


def return_none() -> None:
    return None


def fail(message: str = "boom") -> None:
    raise ValueError(message)


def sleep_for(seconds: float) -> float:
    """Busy but interruptible: the soft timeout's SIGALRM can stop it."""
    time.sleep(seconds)
    return seconds


def block_sigalrm(seconds: float) -> None:
    """Ignores the soft timeout, so only the parent's hard kill stops it."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


def current_job_id() -> str | None:
    job = get_current_job()
    return job.id if job else None


def touch_meta(key: str, value: Any) -> str:
    job = get_current_job()
    assert job is not None
    job.meta[key] = value
    job.save_meta()
    return key


def pid() -> int:
    return os.getpid()


def exit_hard() -> None:
    os._exit(3)


def unpicklable_result() -> Any:
    return lambda: None


class Calculator:
    @staticmethod
    def double(x: int) -> int:
        return 2 * x

    @classmethod
    def triple(cls, x: int) -> int:
        return 3 * x


# --- callbacks -------------------------------------------------------------------------------

CALLBACK_LOG = "jobctl:test:callback-log"


def record_success(job: Any, connection: Any, result: Any, *args: Any, **kwargs: Any) -> None:
    connection.rpush(CALLBACK_LOG, f"success:{job.id}:{result}")


def record_failure(job: Any, connection: Any, exc_type: Any, value: Any, tb: Any) -> None:
    connection.rpush(CALLBACK_LOG, f"failure:{job.id}:{exc_type.__name__}")


def record_stopped(job: Any, connection: Any) -> None:
    connection.rpush(CALLBACK_LOG, f"stopped:{job.id}")


def raising_success_callback(
    job: Any, connection: Any, result: Any, *args: Any, **kwargs: Any
) -> None:
    raise RuntimeError("success callback failed")


def slow_callback(job: Any, connection: Any, result: Any, *args: Any, **kwargs: Any) -> None:
    time.sleep(5)


# --- jobs that talk to Redis through the job's own connection ------------------------------


def _connection() -> Any:
    job = get_current_job()
    assert job is not None, "must run as a job"
    return job.connection


def record(list_key: str, value: str) -> str:
    """Append ``value`` to a Redis list: the order in which jobs ran."""
    _connection().rpush(list_key, value)
    return value


def count_and_fail(counter_key: str) -> None:
    """Count the attempt, then fail (for retries)."""
    _connection().incr(counter_key)
    raise ValueError("failing on purpose")


def fail_unless_flag(flag_key: str) -> str:
    """Fails until an operator "fixes the code" by setting ``flag_key``."""
    if not _connection().exists(flag_key):
        raise RuntimeError(f"{flag_key} is not set yet")
    return "fixed"


def worker_snapshot() -> list[dict[str, Any]]:
    """What Worker.all shows while this job runs."""
    from jobctl import Worker

    return [
        {"name": w.name, "state": w.state, "current_job_id": w.current_job_id,
         "queue_names": w.queue_names}
        for w in Worker.all(_connection())
    ]


def started_ids(queue_name: str) -> list[str]:
    """The started registry of ``queue_name`` as seen from inside a running job."""
    from jobctl import StartedJobRegistry

    return StartedJobRegistry(queue_name, connection=_connection()).get_job_ids()


def read_global() -> str:
    return GLOBAL_CONTEXT["user"]


GLOBAL_CONTEXT = {"user": "nobody"}
"""Stands for "the current user" of a web request: jobs must not rely on it (seed 18)."""


def delayed_add(x: int, y: int) -> int:
    """Decorated with @job inside a test (the connection is only known there)."""
    return x + y


class Point:
    """A plain picklable object for serializer round trips."""

    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and (other.x, other.y) == (self.x, self.y)

    def __hash__(self) -> int:
        return hash((self.x, self.y))


def mirror(value: Any) -> Any:
    return value


class Tripwire:
    """Unpickling it creates ``path``: proves whether a payload was unpickled."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        return (_trip, (self.path,))


def _trip(path: str) -> str:
    with open(path, "w") as handle:
        handle.write("unpickled")
    return path


def raising_failure_callback(job: Any, connection: Any, exc_type: Any, value: Any,
                             tb: Any) -> None:
    raise RuntimeError("failure callback failed")
