"""Process-wide context: the default connection and namespace, and the job being run."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from jobctl.keys import Keys

if TYPE_CHECKING:
    from redis import Redis

    from jobctl.job import Job

_current_job: ContextVar[Job | None] = ContextVar("jobctl_current_job", default=None)
_process_connection: list[Callable[[], Redis]] = []


def use_process_connection(connect: Callable[[], Redis]) -> None:
    """Make ``connect()`` (called once, on first use) this process's default connection.

    A work-horse of the fork server did not inherit the worker's client; this gives its job
    (``job.connection``, a ``Queue()`` made inside the job) one to the same server.
    """
    made: list[Redis] = []

    def once() -> Redis:
        if not made:
            made.append(connect())
        return made[0]

    _process_connection[:] = [once]


def resolve_connection(connection: Redis | None) -> Redis:
    """The given connection, or the one configured for this process (URL resolution order)."""
    if connection is not None:
        return connection
    if _process_connection:
        return _process_connection[0]()
    from jobctl.connection import get_default_connection

    return get_default_connection()


def resolve_keys(namespace: str | None) -> Keys:
    """Keys for the given namespace, or the configured one (``JOBCTL_NAMESPACE``, config file)."""
    if namespace is None:
        from jobctl.connection import resolve_namespace

        namespace = resolve_namespace(None)
    return Keys(namespace)


def get_current_job() -> Job | None:
    """The job running in this process (inside a job function or its callbacks), else None."""
    return _current_job.get()


def set_current_job(job: Job | None) -> None:
    _current_job.set(job)
