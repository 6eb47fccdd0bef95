"""Keeping Redis tidy and nothing stranded: expired registry entries, dead workers' records,
and jobs whose worker stopped heartbeating (abandoned jobs).

Any live worker runs this periodically; a short lock lets one worker do it per interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis

from jobctl import defaults, scripting
from jobctl.exceptions import AbandonedJobError
from jobctl.execution import Outcome
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.lifecycle import settle
from jobctl.status import JobStatus
from jobctl.utils import decode, now

logger = logging.getLogger("jobctl.maintenance")

EXPIRING_REGISTRIES = ("finished", "failed", "canceled")
REAP_BATCH = 200


@dataclass
class AbandonPolicy:
    """What to do with a job whose worker died: ``fail`` (RQ's way) or ``requeue`` it, capped."""

    action: str = "fail"
    requeue_cap: int = defaults.ABANDONED_REQUEUE_CAP


def clean_registries(connection: Redis, keys: Keys, queue_names: list[str]) -> None:
    """Drop expired entries of the registries that are scored by expiry."""
    pipe = connection.pipeline(transaction=False)
    cutoff = f"({now()}"
    for name in queue_names:
        for kind in EXPIRING_REGISTRIES:
            pipe.zremrangebyscore(keys.registry(kind, name), "-inf", cutoff)
    pipe.execute()


def drop_vanished_deferred(connection: Redis, keys: Keys, queue_names: list[str],
                           batch: int = REAP_BATCH) -> int:
    """Drop deferred entries whose job expired (its ``ttl`` ran out while it waited).

    The deferred registry is scored by creation time, so the oldest entries, the likeliest
    to have expired, are checked first; a bounded batch per queue keeps each pass cheap.
    """
    dropped = 0
    for queue in queue_names:
        registry = keys.registry("deferred", queue)
        ids = [decode(i) for i in connection.zrange(registry, 0, batch - 1)]
        if not ids:
            continue
        pipe = connection.pipeline(transaction=False)
        for job_id in ids:
            pipe.exists(keys.job(job_id))
        gone = [i for i, alive in zip(ids, pipe.execute(), strict=True) if not alive]
        if gone:
            dropped += int(connection.zrem(registry, *gone))
    return dropped


def prune_workers(connection: Redis, keys: Keys) -> list[str]:
    """Forget workers whose record expired (they stopped heartbeating); returns their names."""
    names = [decode(n) for n in connection.smembers(keys.workers)]
    if not names:
        return []
    pipe = connection.pipeline(transaction=False)
    for name in names:
        pipe.exists(keys.worker(name))
    dead = [n for n, alive in zip(names, pipe.execute(), strict=True) if not alive]
    if dead:
        connection.srem(keys.workers, *dead)
    return dead


def reap_abandoned(connection: Redis, keys: Keys, queue_names: list[str],
                   policy: AbandonPolicy | None = None) -> int:
    """Settle jobs whose lease expired: fail them (or retry/requeue them); returns how many."""
    policy = policy or AbandonPolicy()
    settled = 0
    for queue in queue_names:
        started = keys.registry("started", queue)
        expired = [decode(i) for i in
                   connection.zrangebyscore(started, "-inf", now(), start=0, num=REAP_BATCH)]
        for job_id in expired:
            settled += _settle_abandoned(connection, keys, queue, job_id, policy)
    return settled


def _settle_abandoned(connection: Redis, keys: Keys, queue: str, job_id: str,
                      policy: AbandonPolicy) -> int:
    fields = connection.hgetall(keys.job(job_id))
    if not fields:
        connection.zrem(keys.registry("started", queue), job_id)
        return 0
    job = Job.from_fields(job_id, fields, connection, keys)
    token = decode(fields.get(b"token", b""))
    cap = policy.requeue_cap if policy.action == "requeue" else 0
    reply = scripting.REQUEUE_ABANDONED(
        connection,
        [job.key, keys.registry("started", queue), keys.queue(queue), keys.wake(queue)],
        [job_id, token, repr(now()), cap],
    )
    verdict = decode(reply[0])
    if verdict == "requeued":
        logger.warning("%s: job %s was abandoned by worker %s; requeued", queue, job_id,
                       job.worker_name or "?")
        return 1
    if verdict != "capped":
        return 0
    reason = (f"{AbandonedJobError.__name__}: worker {job.worker_name or '?'} stopped "
              f"heartbeating while running the job")
    settle(connection, keys, job, Outcome(JobStatus.FAILED, exc_info=reason), token)
    logger.warning("%s: job %s was abandoned by worker %s; marked failed", queue, job_id,
                   job.worker_name or "?")
    return 1
