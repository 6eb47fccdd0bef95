"""Where the dashboard gets its data and sends its changes: a small protocol, so tests can
inject fixed data, and the real implementation over a Redis connection and a namespace.

Reads go through the library's read model (``jobctl.stats``, ``jobctl.listing``); none of them
writes. Every method may block on Redis and is only ever called from a thread worker.
"""

from __future__ import annotations

from typing import NoReturn, Protocol

from redis import Redis

from jobctl.bulk import delete_jobs, matching_ids, requeue_jobs
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.listing import JobFilter, JobPage, list_jobs, location_size
from jobctl.queue import Queue
from jobctl.stats import Snapshot, take_snapshot
from jobctl.workers import send_shutdown_command, send_stop_job_command
from jobctl_tui.jobdetail import read_job_detail
from jobctl_tui.models import DetailRequest, JobDetail, PageRequest, PollResult, ViewRequest

FILTER_SCAN_LIMIT = 20_000
"""A filtered listing looks at most at this many of the newest entries per poll."""


class ReadSource(Protocol):
    """What the views read."""

    @property
    def url(self) -> str:
        """The Redis URL with its password masked."""
        ...

    @property
    def namespace(self) -> str: ...

    def snapshot(self) -> Snapshot: ...

    def list_jobs(self, request: PageRequest) -> JobPage: ...

    def job_detail(self, job_id: str) -> JobDetail | None: ...


class DataSource(ReadSource, Protocol):
    """What the views read and the actions the dashboard can take."""

    def location_size(self, queue: str, location: str) -> int: ...

    def matching_ids(self, queue: str, location: str, text: str) -> list[str]: ...

    def requeue(self, job_ids: list[str]) -> tuple[int, list[str]]: ...

    def delete(self, job_ids: list[str]) -> int: ...

    def cancel(self, job_id: str) -> None: ...

    def stop_job(self, job_id: str) -> None: ...

    def empty_queue(self, queue: str) -> int: ...

    def set_paused(self, queue: str, paused: bool) -> None: ...

    def stop_worker(self, worker_name: str) -> None: ...


def poll(source: ReadSource, request: ViewRequest) -> PollResult:
    """Everything one refresh shows: the snapshot plus what the current view asked for."""
    snapshot = source.snapshot()
    if isinstance(request, PageRequest):
        return PollResult(snapshot, request, page=source.list_jobs(request))
    if isinstance(request, DetailRequest):
        return PollResult(snapshot, request, detail=source.job_detail(request.job_id))
    return PollResult(snapshot, request)


class RedisSource:
    """The real data source: one connection (thread-safe pool) and one namespace."""

    def __init__(self, connection: Redis, keys: Keys, url: str) -> None:
        from jobctl.connection import mask_url

        self.connection = connection
        self.keys = keys
        self._url = mask_url(url)

    @property
    def url(self) -> str:
        return self._url

    @property
    def namespace(self) -> str:
        return self.keys.namespace

    def snapshot(self) -> Snapshot:
        return take_snapshot(self.connection, self.keys)

    def list_jobs(self, request: PageRequest) -> JobPage:
        job_filter = JobFilter(text=request.text) if request.text else None
        return list_jobs(
            self.connection, self.keys, request.queue, request.location,
            offset=request.offset, limit=request.limit, job_filter=job_filter,
            scan_limit=FILTER_SCAN_LIMIT,
        )

    def job_detail(self, job_id: str) -> JobDetail | None:
        return read_job_detail(self.connection, self.keys, job_id)

    def location_size(self, queue: str, location: str) -> int:
        return location_size(self.connection, self.keys, queue, location)

    def matching_ids(self, queue: str, location: str, text: str) -> list[str]:
        job_filter = JobFilter(text=text) if text else None
        return matching_ids(self.connection, self.keys, queue, location, job_filter)

    def requeue(self, job_ids: list[str]) -> tuple[int, list[str]]:
        return requeue_jobs(self.connection, self.keys, job_ids)

    def delete(self, job_ids: list[str]) -> int:
        return delete_jobs(self.connection, self.keys, job_ids)

    def cancel(self, job_id: str) -> None:
        Job.fetch(job_id, connection=self.connection, keys=self.keys).cancel()

    def stop_job(self, job_id: str) -> None:
        send_stop_job_command(self.connection, job_id, namespace=self.keys.namespace)

    def empty_queue(self, queue: str) -> int:
        return self._queue(queue).empty()

    def set_paused(self, queue: str, paused: bool) -> None:
        if paused:
            self._queue(queue).pause()
        else:
            self._queue(queue).resume()

    def stop_worker(self, worker_name: str) -> None:
        send_shutdown_command(self.connection, worker_name, namespace=self.keys.namespace)

    def _queue(self, name: str) -> Queue:
        return Queue(name, connection=self.connection, keys=self.keys)


class ReadOnlySource:
    """Wraps a source for ``--readonly``: reads pass through, every action raises."""

    def __init__(self, inner: DataSource) -> None:
        self._inner = inner

    @property
    def url(self) -> str:
        return self._inner.url

    @property
    def namespace(self) -> str:
        return self._inner.namespace

    def snapshot(self) -> Snapshot:
        return self._inner.snapshot()

    def list_jobs(self, request: PageRequest) -> JobPage:
        return self._inner.list_jobs(request)

    def job_detail(self, job_id: str) -> JobDetail | None:
        return self._inner.job_detail(job_id)

    def location_size(self, queue: str, location: str) -> int:
        return self._inner.location_size(queue, location)

    def matching_ids(self, queue: str, location: str, text: str) -> list[str]:
        return self._inner.matching_ids(queue, location, text)

    def requeue(self, job_ids: list[str]) -> tuple[int, list[str]]:
        _refuse()

    def delete(self, job_ids: list[str]) -> int:
        _refuse()

    def cancel(self, job_id: str) -> None:
        _refuse()

    def stop_job(self, job_id: str) -> None:
        _refuse()

    def empty_queue(self, queue: str) -> int:
        _refuse()

    def set_paused(self, queue: str, paused: bool) -> None:
        _refuse()

    def stop_worker(self, worker_name: str) -> None:
        _refuse()


def _refuse() -> NoReturn:
    raise PermissionError("jobctl top runs read-only: actions are disabled")
