"""Job dependencies: normalising ``depends_on`` and reading what releasing dependents needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobctl.keys import Keys
from jobctl.utils import validate_job_id

if TYPE_CHECKING:
    from redis import Redis

    from jobctl.job import Job


class Dependency:
    """Several dependencies at once, optionally run even when they fail (``allow_failure``)."""

    def __init__(
        self,
        jobs: Iterable[Job | str] | Job | str,
        allow_failure: bool = False,
        enqueue_at_front: bool = False,
    ) -> None:
        items = [jobs] if isinstance(jobs, str) or not isinstance(jobs, Iterable) else list(jobs)
        if not items:
            raise ValueError("Dependency needs at least one job")
        self.dependencies = items
        self.allow_failure = allow_failure
        self.enqueue_at_front = enqueue_at_front

    @property
    def job_ids(self) -> list[str]:
        return [_job_id(item) for item in self.dependencies]


@dataclass(frozen=True)
class DependencySpec:
    """``depends_on`` reduced to what is stored: ids and two flags."""

    job_ids: list[str]
    allow_failure: bool = False
    enqueue_at_front: bool = False


def _job_id(item: Any) -> str:
    job_id = item if isinstance(item, str) else getattr(item, "id", None)
    if not isinstance(job_id, str):
        raise TypeError(f"depends_on takes jobs, job ids or Dependency objects, not {item!r}")
    return validate_job_id(job_id)


def normalize_depends_on(depends_on: Any) -> DependencySpec:
    """Accept a Job, an id, a Dependency, or a list mixing them."""
    if depends_on is None:
        return DependencySpec([])
    if isinstance(depends_on, Dependency):
        return DependencySpec(
            list(dict.fromkeys(depends_on.job_ids)),
            depends_on.allow_failure,
            depends_on.enqueue_at_front,
        )
    items = depends_on if isinstance(depends_on, list | tuple | set) else [depends_on]
    ids: list[str] = []
    allow_failure = at_front = False
    for item in items:
        if isinstance(item, Dependency):
            ids.extend(item.job_ids)
            allow_failure = allow_failure or item.allow_failure
            at_front = at_front or item.enqueue_at_front
        else:
            ids.append(_job_id(item))
    return DependencySpec(list(dict.fromkeys(ids)), allow_failure, at_front)


def dependent_groups(connection: Redis, keys: Keys, job_id: str) -> tuple[list[str], list[str]]:
    """KEYS and ARGV groups for releasing ``job_id``'s dependents (see scripts/_dependents.lua).

    Two reads: the dependents set, then each dependent's queue and dependencies. The settling
    script re-checks the set, so a dependent added in between makes it ask again.
    """
    dependent_ids = sorted(m.decode() for m in connection.smembers(keys.dependents(job_id)))
    if not dependent_ids:
        return [], []
    pipe = connection.pipeline(transaction=False)
    for dependent_id in dependent_ids:
        pipe.hmget(keys.job(dependent_id), "origin", "deps")
    rows = pipe.execute()
    group_keys: list[str] = []
    group_args: list[str] = []
    for dependent_id, (origin, deps) in zip(dependent_ids, rows, strict=True):
        queue = origin.decode() if origin else "default"
        dependency_ids = deps.decode().split(",") if deps else []
        group_keys += [
            keys.job(dependent_id),
            keys.queue(queue),
            keys.registry("deferred", queue),
            keys.wake(queue),
        ]
        group_keys += [keys.job(d) for d in dependency_ids]
        group_args += [dependent_id, str(len(dependency_ids))]
    return group_keys, group_args
