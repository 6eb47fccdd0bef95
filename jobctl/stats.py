"""One read-only snapshot of a namespace: queues with counts per status, workers, totals.

This is the single read model behind ``jobctl info --json`` and the dashboard, so both agree.
It costs a fixed number of round trips (three pipelines) and O(queues + workers) commands,
whatever the registries hold: counts come from LLEN/ZCARD/ZCOUNT, never from listing. It never
writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis import Redis

from jobctl.keys import Keys
from jobctl.utils import decode, now, utc_from_timestamp
from jobctl.workers import WorkerInfo

COUNTED_REGISTRIES = ("started", "deferred", "scheduled", "failed", "finished", "canceled")
EXPIRING = frozenset({"failed", "finished", "canceled"})
THROUGHPUT_MINUTES = 30


@dataclass(frozen=True)
class QueueStats:
    """Counts for one queue; ``oldest_enqueued_at`` is when the job at the head was queued."""

    name: str
    paused: bool
    queued: int
    started: int
    deferred: int
    scheduled: int
    failed: int
    finished: int
    canceled: int
    oldest_enqueued_at: datetime | None
    finished_per_minute: list[int] = field(default_factory=list)
    """Jobs finished in each of the last minutes, oldest first (the current minute last)."""
    failed_per_minute: list[int] = field(default_factory=list)

    def oldest_age(self, at: float | None = None) -> float | None:
        """Seconds the head job has waited."""
        if self.oldest_enqueued_at is None:
            return None
        return max(0.0, (now() if at is None else at) - self.oldest_enqueued_at.timestamp())


@dataclass(frozen=True)
class RunningJob:
    """What a busy worker is running, for 'elapsed against timeout' displays."""

    id: str
    func_name: str
    started_at: datetime | None
    timeout: int | None


@dataclass(frozen=True)
class Snapshot:
    """Everything a monitor shows, read at ``taken_at`` in ``duration`` seconds."""

    namespace: str
    taken_at: datetime
    duration: float
    suspended: bool
    queues: list[QueueStats]
    workers: list[WorkerInfo]
    running: dict[str, RunningJob]
    """Current job of each busy worker, by worker name."""

    @property
    def totals(self) -> dict[str, int]:
        names = ("queued", *COUNTED_REGISTRIES)
        return {n: sum(getattr(q, n) for q in self.queues) for n in names}


def minute_of(timestamp: float) -> int:
    return int(timestamp // 60)


def take_snapshot(connection: Redis, keys: Keys) -> Snapshot:
    """Read the namespace in three pipelined round trips."""
    started = time.monotonic()
    moment = now()
    pipe = connection.pipeline(transaction=False)
    pipe.smembers(keys.queues)
    pipe.smembers(keys.workers)
    pipe.smembers(keys.paused)
    pipe.exists(keys.suspended)
    queue_set, worker_set, paused_set, suspended = pipe.execute()
    queue_names = sorted(decode(q) for q in queue_set)
    worker_names = sorted(decode(w) for w in worker_set)
    paused = {decode(p) for p in paused_set}

    minutes = [minute_of(moment) - i for i in range(THROUGHPUT_MINUTES - 1, -1, -1)]
    pipe = connection.pipeline(transaction=False)
    for name in queue_names:
        pipe.llen(keys.queue(name))
        pipe.lindex(keys.queue(name), 0)
        for kind in COUNTED_REGISTRIES:
            if kind in EXPIRING:
                pipe.zcount(keys.registry(kind, name), moment, "+inf")
            else:
                pipe.zcard(keys.registry(kind, name))
        pipe.mget([keys.throughput(name, m, "finished") for m in minutes])
        pipe.mget([keys.throughput(name, m, "failed") for m in minutes])
    for name in worker_names:
        pipe.hgetall(keys.worker(name))
    replies = pipe.execute()

    per_queue = 4 + len(COUNTED_REGISTRIES)
    raw_queues = [replies[i * per_queue:(i + 1) * per_queue] for i in range(len(queue_names))]
    records = replies[len(queue_names) * per_queue:]
    workers = [WorkerInfo.from_record(n, r) for n, r in zip(worker_names, records, strict=True)
               if r]

    heads = [row[1] for row in raw_queues]
    busy = [w for w in workers if w.current_job_id]
    pipe = connection.pipeline(transaction=False)
    for head in heads:
        # A job queued when created stores created_at only (see scripts/enqueue.lua).
        pipe.hmget(keys.job(decode(head)), "enqueued_at", "created_at") if head else pipe.echo("")
    for worker in busy:
        pipe.hmget(keys.job(worker.current_job_id or ""), "func", "started_at", "timeout")
    tail = pipe.execute() if heads or busy else []

    queues = [
        _queue_stats(name, name in paused, row, tail[i])
        for i, (name, row) in enumerate(zip(queue_names, raw_queues, strict=True))
    ]
    running = {
        w.name: _running(w.current_job_id or "", tail[len(heads) + i])
        for i, w in enumerate(busy)
    }
    return Snapshot(
        namespace=keys.namespace,
        taken_at=utc_from_timestamp(moment) or datetime.now(),
        duration=time.monotonic() - started,
        suspended=bool(suspended),
        queues=queues,
        workers=workers,
        running=running,
    )


def _queue_stats(name: str, paused: bool, row: list[Any], head_enqueued: Any) -> QueueStats:
    counts = dict(zip(COUNTED_REGISTRIES, (int(c) for c in row[2:-2]), strict=True))
    return QueueStats(
        name=name, paused=paused, queued=int(row[0]),
        oldest_enqueued_at=_timestamp(_first_set(head_enqueued)),
        finished_per_minute=[_int(v) for v in row[-2]],
        failed_per_minute=[_int(v) for v in row[-1]],
        **counts,
    )


def _first_set(values: Any) -> Any:
    """The first non-empty of HMGET's values (or the value itself for a plain reply)."""
    if isinstance(values, list):
        return next((v for v in values if v), None)
    return values


def _int(value: Any) -> int:
    return int(decode(value)) if value else 0


def _timestamp(value: Any) -> datetime | None:
    """A stored time; a corrupted job hash reads as unset instead of breaking the snapshot."""
    try:
        return utc_from_timestamp(float(value)) if value else None
    except (ValueError, OverflowError, OSError):
        return None


def _running(job_id: str, fields: list[Any]) -> RunningJob:
    func, started_at, timeout = (
        f.decode(errors="replace") if isinstance(f, bytes) else f for f in fields
    )
    return RunningJob(
        id=job_id,
        func_name=func or "",
        started_at=_timestamp(started_at),
        timeout=int(timeout) if timeout and timeout.lstrip("-").isdigit() else None,
    )
