"""Acting on many jobs at once: requeue or delete every job that matches a filter, and purge
registries. Each job is changed by its own atomic script, so a bulk action that is interrupted
leaves every job either done or untouched."""

from __future__ import annotations

import math
from collections.abc import Callable

from redis import Redis

from jobctl.exceptions import InvalidJobOperation, NoSuchJobError
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.listing import JobFilter, iter_jobs
from jobctl.utils import decode, now

Progress = Callable[[int], None]


def matching_ids(connection: Redis, keys: Keys, queue: str, location: str,
                 job_filter: JobFilter | None = None) -> list[str]:
    """Ids of the jobs a bulk action would touch (the preview of ``--dry-run``)."""
    if job_filter is None or job_filter.empty:
        return _all_ids(connection, keys, queue, location)
    return [s.id for s in iter_jobs(connection, keys, queue, location, job_filter,
                                    newest_first=False)]


def _all_ids(connection: Redis, keys: Keys, queue: str, location: str) -> list[str]:
    if location == "queued":
        return [decode(i) for i in connection.lrange(keys.queue(queue), 0, -1)]
    return [decode(i) for i in connection.zrange(keys.registry(location, queue), 0, -1)]


def requeue_jobs(connection: Redis, keys: Keys, job_ids: list[str],
                 progress: Progress | None = None) -> tuple[int, list[str]]:
    """Requeue each job; returns (requeued, ids skipped because they changed meanwhile)."""
    done, skipped = 0, []
    for job_id in job_ids:
        try:
            Job(job_id, connection=connection, keys=keys).requeue()
            done += 1
        except (NoSuchJobError, InvalidJobOperation):
            skipped.append(job_id)
        if progress:
            progress(1)
    return done, skipped


def delete_jobs(connection: Redis, keys: Keys, job_ids: list[str],
                progress: Progress | None = None) -> int:
    """Delete each job everywhere; returns how many existed."""
    deleted = 0
    for job_id in job_ids:
        job = Job(job_id, connection=connection, keys=keys)
        if connection.exists(job.key):
            job.delete()
            deleted += 1
        if progress:
            progress(1)
    return deleted


def purge_ids(connection: Redis, keys: Keys, queue: str, location: str,
              older_than: float | None = None,
              unknown_age: list[str] | None = None) -> list[str]:
    """Ids in a finished/failed/canceled registry that ended more than ``older_than`` s ago.

    With ``older_than``, a job whose ``ended_at`` cannot be read (corrupted) has an unknown age:
    it is kept, and its id is appended to ``unknown_age`` so the caller can say so. An entry
    whose job hash is gone (or has no ``ended_at``) is included: deleting it only cleans up.
    """
    if location not in ("finished", "failed", "canceled"):
        raise ValueError("purge works on the finished, failed and canceled registries")
    ids = _all_ids(connection, keys, queue, location)
    if older_than is None or not ids:
        return ids
    cutoff = now() - older_than
    pipe = connection.pipeline(transaction=False)
    for job_id in ids:
        pipe.hget(keys.job(job_id), "ended_at")
    selected = []
    for job_id, ended in zip(ids, pipe.execute(), strict=True):
        if ended is None:
            selected.append(job_id)
            continue
        ended_at = _timestamp(ended)
        if ended_at is None:
            if unknown_age is not None:
                unknown_age.append(job_id)
        elif ended_at <= cutoff:
            selected.append(job_id)
    return selected


def _timestamp(raw: bytes) -> float | None:
    """A stored epoch time, or None when it is not a finite number."""
    try:
        value = float(raw)
    except (ValueError, TypeError):
        return None
    return value if math.isfinite(value) else None
