"""Suspending every worker of a namespace at once (RQ's ``suspend``/``resume``), optionally
for a limited time."""

from __future__ import annotations

from redis import Redis

from jobctl.context import resolve_connection, resolve_keys
from jobctl.utils import decode, parse_duration


def suspend(connection: Redis | None = None, ttl: int | str | None = None,
            namespace: str | None = None) -> None:
    """Workers finish their current job and take no new one until :func:`resume` (or ``ttl``)."""
    connection = resolve_connection(connection)
    keys = resolve_keys(namespace)
    seconds = parse_duration(ttl, what="suspend duration")
    connection.set(keys.suspended, "1", ex=seconds)


def resume(connection: Redis | None = None, namespace: str | None = None) -> None:
    """Let workers take jobs again, waking blocked ones so queued jobs start at once."""
    connection = resolve_connection(connection)
    keys = resolve_keys(namespace)
    queues = [decode(q) for q in connection.smembers(keys.queues)]
    pipe = connection.pipeline(transaction=True)
    pipe.delete(keys.suspended)
    for queue in queues:
        pipe.lpush(keys.wake(queue), "1")
        pipe.ltrim(keys.wake(queue), 0, 0)
    pipe.execute()


def is_suspended(connection: Redis | None = None, namespace: str | None = None) -> bool:
    return bool(resolve_connection(connection).exists(resolve_keys(namespace).suspended))
