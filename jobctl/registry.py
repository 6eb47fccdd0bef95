"""Registries: per-queue sorted sets of jobs that are running, done, failed, waiting or due.

Reads never write: expired entries are filtered out by score when listing and removed by the
workers' periodic clean-up, so looking at a registry cannot change it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redis import Redis

from jobctl.context import resolve_connection, resolve_keys
from jobctl.exceptions import InvalidJobOperation
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.serializers import Serializer, resolve_serializer
from jobctl.utils import decode, now

if TYPE_CHECKING:
    from jobctl.queue import Queue


class BaseRegistry:
    """Job ids of one queue in one state, scored by expiry (or due time for scheduled jobs)."""

    kind = ""
    expires = True
    """Whether the score is an expiry: entries with a past score are no longer listed."""

    def __init__(
        self,
        name: str = "default",
        connection: Redis | None = None,
        queue: Queue | None = None,
        serializer: str | Serializer | None = None,
        namespace: str | None = None,
        *,
        keys: Keys | None = None,
    ) -> None:
        if queue is not None:
            name, connection, keys = queue.name, queue.connection, queue.keys
            serializer = serializer or queue.serializer
        self.name = name
        self.connection = resolve_connection(connection)
        self.keys = keys or resolve_keys(namespace)
        self.serializer = resolve_serializer(serializer)

    @property
    def key(self) -> str:
        return self.keys.registry(self.kind, self.name)

    def _min_score(self) -> float | str:
        return now() if self.expires else "-inf"

    @property
    def count(self) -> int:
        """Live entries (expired ones are not counted)."""
        return int(self.connection.zcount(self.key, self._min_score(), "+inf"))

    def __len__(self) -> int:
        return self.count

    def __contains__(self, item: Job | str) -> bool:
        job_id = item.id if isinstance(item, Job) else item
        score = self.connection.zscore(self.key, job_id)
        return score is not None and (not self.expires or score > now())

    def get_job_ids(self, start: int = 0, end: int = -1, desc: bool = False) -> list[str]:
        """Ids ordered by score (oldest expiry first unless ``desc``), a window of them."""
        count = -1 if end < 0 else end - start + 1
        if desc:
            ids = self.connection.zrevrangebyscore(
                self.key, "+inf", self._min_score(), start=start, num=count
            )
        else:
            ids = self.connection.zrangebyscore(
                self.key, self._min_score(), "+inf", start=start, num=count
            )
        return [decode(i) for i in ids]

    def get_jobs(self, start: int = 0, end: int = -1) -> list[Job]:
        jobs = Job.fetch_many(
            self.get_job_ids(start, end), self.connection, self.serializer, keys=self.keys
        )
        return [j for j in jobs if j is not None]

    def get_expiration_time(self, job: Job | str) -> float | None:
        job_id = job.id if isinstance(job, Job) else job
        score = self.connection.zscore(self.key, job_id)
        return None if score is None else float(score)

    def remove(self, job: Job | str, delete_job: bool = False) -> None:
        """Drop an entry; with ``delete_job`` the job is deleted everywhere."""
        job_id = job.id if isinstance(job, Job) else job
        if delete_job:
            Job(job_id, connection=self.connection, keys=self.keys).delete()
        else:
            self.connection.zrem(self.key, job_id)

    def requeue(self, job_or_id: Job | str, at_front: bool = False) -> Job:
        """Put a job of this registry back in its queue."""
        job_id = job_or_id.id if isinstance(job_or_id, Job) else job_or_id
        if self.connection.zscore(self.key, job_id) is None:
            raise InvalidJobOperation(f"job {job_id!r} is not in the {self.kind} registry")
        job = Job.fetch(job_id, connection=self.connection, keys=self.keys)
        return job.requeue(at_front=at_front)

    def cleanup(self, timestamp: float | None = None) -> int:
        """Remove entries that expired before ``timestamp`` (default now); returns how many."""
        if not self.expires:
            return 0
        cutoff = now() if timestamp is None else timestamp
        return int(self.connection.zremrangebyscore(self.key, "-inf", f"({cutoff}"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class StartedJobRegistry(BaseRegistry):
    """Running jobs, scored by the expiry of their worker's lease."""

    kind = "started"
    expires = False


class FinishedJobRegistry(BaseRegistry):
    """Successful jobs whose results are still kept (``result_ttl``)."""

    kind = "finished"


class FailedJobRegistry(BaseRegistry):
    """Failed and stopped jobs, kept for ``failure_ttl``."""

    kind = "failed"


class CanceledJobRegistry(BaseRegistry):
    """Jobs canceled before they ran."""

    kind = "canceled"


class DeferredJobRegistry(BaseRegistry):
    """Jobs waiting for their dependencies."""

    kind = "deferred"
    expires = False


class ScheduledJobRegistry(BaseRegistry):
    """Jobs due at a later time (retries, ``enqueue_at``), scored by due time."""

    kind = "scheduled"
    expires = False


REGISTRY_CLASSES: dict[str, type[BaseRegistry]] = {
    cls.kind: cls
    for cls in (
        StartedJobRegistry,
        FinishedJobRegistry,
        FailedJobRegistry,
        CanceledJobRegistry,
        DeferredJobRegistry,
        ScheduledJobRegistry,
    )
}


def registry_for(kind: str, queue: Queue, **kwargs: Any) -> BaseRegistry:
    """The registry of ``kind`` for ``queue``; a ValueError names the valid kinds on a typo."""
    try:
        return REGISTRY_CLASSES[kind](queue=queue, **kwargs)
    except KeyError:
        raise ValueError(
            f"unknown registry {kind!r}; choose one of: {', '.join(REGISTRY_CLASSES)}"
        ) from None
