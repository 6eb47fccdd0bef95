"""Listing the jobs of a queue or registry, windowed and filtered, without decoding payloads.

Used by ``jobctl jobs``, bulk requeue and the dashboard. Reads only a window of ids at a time
and a few hash fields per job (never the arguments), so listings stay cheap on huge registries.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from redis import Redis

from jobctl.keys import REGISTRY_NAMES, Keys
from jobctl.utils import decode, utc_from_timestamp

LOCATIONS = ("queued", *REGISTRY_NAMES)
"""Where jobs can be listed: the queue itself or one of its registries."""
_FIELDS = ("func", "status", "origin", "created_at", "enqueued_at", "started_at", "ended_at",
           "worker", "exc_info", "description", "timeout")
_WINDOW = 500


@dataclass(frozen=True)
class JobSummary:
    """The columns of a job listing."""

    id: str
    func_name: str
    status: str
    origin: str
    created_at: datetime | None
    enqueued_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    worker_name: str | None
    exc_info: str | None
    description: str | None
    timeout: int | None

    @property
    def exc_summary(self) -> str | None:
        """The last line of the traceback: usually ``ErrorType: message``."""
        if not self.exc_info:
            return None
        lines = self.exc_info.strip().splitlines()
        return lines[-1] if lines else None


@dataclass(frozen=True)
class JobFilter:
    """Glob filters (``fnmatch``, case-insensitive) and a free-text search."""

    func: str | None = None
    exc: str | None = None
    id: str | None = None
    text: str | None = None

    def matches(self, job: JobSummary) -> bool:
        checks = [
            self.func is None or _glob(job.func_name, self.func),
            self.exc is None or _glob(job.exc_info or "", self.exc),
            self.id is None or _glob(job.id, self.id),
        ]
        if self.text:
            needle = self.text.lower()
            checks.append(any(needle in (v or "").lower()
                              for v in (job.id, job.func_name, job.exc_info)))
        return all(checks)

    @property
    def empty(self) -> bool:
        return not (self.func or self.exc or self.id or self.text)


def _glob(value: str, pattern: str) -> bool:
    if not any(c in pattern for c in "*?["):
        pattern = f"*{pattern}*"
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


@dataclass(frozen=True)
class JobPage:
    """One page of a listing; ``total`` is the unfiltered size of the queue or registry,
    ``exhausted`` says no further matches exist after this page."""

    jobs: list[JobSummary]
    total: int
    exhausted: bool


def location_size(connection: Redis, keys: Keys, queue: str, location: str) -> int:
    """How many entries the queue or registry holds (LLEN / ZCARD: O(1))."""
    if location == "queued":
        return int(connection.llen(keys.queue(queue)))
    return int(connection.zcard(keys.registry(_registry(location), queue)))


def _registry(location: str) -> str:
    if location not in LOCATIONS:
        raise ValueError(f"unknown status {location!r}; choose one of: {', '.join(LOCATIONS)}")
    return location


def _id_windows(connection: Redis, keys: Keys, queue: str, location: str,
                newest_first: bool, first_window: int = _WINDOW) -> Iterator[list[str]]:
    start, size = 0, max(1, first_window)
    while True:
        end = start + size - 1
        if location == "queued":
            raw = connection.lrange(keys.queue(queue), start, end)
        elif newest_first:
            raw = connection.zrevrange(keys.registry(_registry(location), queue), start, end)
        else:
            raw = connection.zrange(keys.registry(_registry(location), queue), start, end)
        if not raw:
            return
        yield [decode(i) for i in raw]
        if len(raw) < size:
            return
        start, size = start + size, _WINDOW


def iter_jobs(connection: Redis, keys: Keys, queue: str, location: str,
              job_filter: JobFilter | None = None, newest_first: bool = True,
              scan_limit: int | None = None,
              first_window: int = _WINDOW) -> Iterator[JobSummary]:
    """Every matching job, read a window at a time (ids whose hash expired are skipped).

    ``first_window`` sizes the first read, so a caller that needs only a few jobs reads only
    a few hashes."""
    job_filter = job_filter or JobFilter()
    scanned = 0
    for ids in _id_windows(connection, keys, queue, location, newest_first, first_window):
        pipe = connection.pipeline(transaction=False)
        for job_id in ids:
            pipe.hmget(keys.job(job_id), *_FIELDS)
        for job_id, values in zip(ids, pipe.execute(), strict=True):
            scanned += 1
            if values[1] is not None:
                summary = _summary(job_id, values)
                if job_filter.matches(summary):
                    yield summary
            if scan_limit is not None and scanned >= scan_limit:
                return


def list_jobs(connection: Redis, keys: Keys, queue: str, location: str = "queued", *,
              offset: int = 0, limit: int = 50, job_filter: JobFilter | None = None,
              newest_first: bool = True, scan_limit: int = 100_000) -> JobPage:
    """A page of matching jobs; filtering scans at most ``scan_limit`` entries."""
    total = location_size(connection, keys, queue, location)
    matches: list[JobSummary] = []
    exhausted = True
    # Unfiltered, the page is almost always within the first offset + limit entries: read
    # just those (a short page, from expired hashes, reads on in full windows).
    unfiltered = job_filter is None or job_filter.empty
    first = min(_WINDOW, offset + limit) if unfiltered else _WINDOW
    found = iter_jobs(connection, keys, queue, location, job_filter, newest_first, scan_limit,
                      first_window=first)
    for seen, summary in enumerate(found, start=1):
        if seen > offset:
            matches.append(summary)
        if len(matches) >= limit:
            exhausted = False
            break
    return JobPage(jobs=matches, total=total, exhausted=exhausted)


def _summary(job_id: str, values: list[bytes | None]) -> JobSummary:
    # A corrupted hash must not break a listing: bad bytes and numbers read as unset.
    text = [_text(v) for v in values]
    func, status, origin, created, enqueued, started, ended, worker, exc, desc, timeout = text

    def when(value: str | None) -> datetime | None:
        try:
            return utc_from_timestamp(float(value)) if value else None
        except (ValueError, OverflowError, OSError):
            return None

    return JobSummary(
        id=job_id, func_name=func or "", status=status or "", origin=origin or "",
        created_at=when(created),
        # A job queued when created stores created_at only (see scripts/enqueue.lua).
        enqueued_at=when(enqueued or (None if status in ("deferred", "scheduled") else created)),
        started_at=when(started),
        ended_at=when(ended), worker_name=worker or None, exc_info=exc, description=desc,
        timeout=_int(timeout),
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _text(value: bytes | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.decode(errors="replace")
