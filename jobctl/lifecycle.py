"""The Redis side of one run of a job: claim it, start it under a token, settle it with that
token (claiming the next job in the same round trip).

A busy worker thus pays two round trips per job: ``start`` and ``settle``-and-claim-next. Every
step is one script that checks its preconditions, so a step resent after a lost reply, or sent
by a worker presumed dead, changes nothing it should not.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis import Redis

from jobctl import scripting
from jobctl.dependencies import dependent_groups
from jobctl.exceptions import NoSuchJobError
from jobctl.execution import Outcome, perform
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.retry import Retry
from jobctl.status import JobStatus
from jobctl.utils import decode, now, stamp

if TYPE_CHECKING:
    from jobctl.queue import Queue

_SETTLE_ATTEMPTS = 20


@dataclass(frozen=True)
class ClaimGroup:
    """The claim's KEYS and ARGV (see scripts/_claim.lua): queues in order, and the lease."""

    keys: list[str]
    args: list[str]

    @classmethod
    def build(cls, keys: Keys, queue_names: list[str], lease_expiry: float) -> ClaimGroup:
        claim_keys = [keys.paused, keys.suspended]
        for name in queue_names:
            claim_keys += [keys.queue(name), keys.registry("started", name), keys.wake(name)]
        return cls(claim_keys, [repr(lease_expiry), *queue_names])

    @property
    def nqueues(self) -> int:
        return len(self.args) - 1


NO_CLAIM = ClaimGroup([], [])


@dataclass
class Settled:
    """What settling did: ``verdict`` is ok, failed, retried, fenced or gone."""

    verdict: str
    released: list[str] = field(default_factory=list)
    claimed: tuple[str, str] | None = None
    """(queue, job id) claimed in the same round trip, if any."""


def new_token() -> str:
    """A fresh execution token: only the execution holding it may settle the job."""
    return os.urandom(8).hex()


def claim(connection: Redis, group: ClaimGroup) -> tuple[str, str] | None:
    """Atomically take the next job id (queue order is priority order)."""
    reply = scripting.CLAIM(connection, group.keys, group.args)
    return (decode(reply[0]), decode(reply[1])) if reply else None


def start(connection: Redis, keys: Keys, queue: str, job_id: str, token: str,
          worker_name: str = "", serializer: Any = None) -> Job | None:
    """Mark a claimed job started under ``token``; None when it may not run (see start.lua)."""
    fields = scripting.START(
        connection,
        [keys.job(job_id), keys.registry("started", queue),
         keys.worker(worker_name) if worker_name else keys.worker("-")],
        [job_id, token, worker_name, stamp()],
    )
    if not fields:
        return None
    pairs = dict(zip(fields[::2], fields[1::2], strict=True))
    return Job.from_fields(job_id, pairs, connection, keys, serializer)


def settle(connection: Redis, keys: Keys, job: Job, outcome: Outcome, token: str,
           claim_next: ClaimGroup = NO_CLAIM) -> Settled:
    """Record the outcome if ``token`` still owns the job; optionally claim the next job.

    The settling script refuses when the job gained dependents since they were read, so the
    loop re-reads them; every attempt is atomic and a refused attempt changes nothing.
    """
    group_keys: list[str] = []
    group_args: list[str] = []
    for _ in range(_SETTLE_ATTEMPTS):
        reply = _settle_once(connection, keys, job, outcome, token, group_keys, group_args,
                             claim_next)
        verdict = decode(reply[0])
        if verdict == "dependents":
            group_keys, group_args = dependent_groups(connection, keys, job.id)
            continue
        if verdict not in ("ok", "failed", "retried"):
            return Settled(verdict)
        claimed = (decode(reply[1]), decode(reply[2])) if reply[2] else None
        released = [] if verdict == "retried" else [decode(r) for r in reply[3:]]
        return Settled(verdict, released, claimed)
    raise RuntimeError(f"could not settle job {job.id}: its dependents keep changing")


def _settle_once(connection: Redis, keys: Keys, job: Job, outcome: Outcome, token: str,
                 group_keys: list[str], group_args: list[str], claim_next: ClaimGroup) -> Any:
    queue = job.origin
    ndependents = str(len(group_args) // 2)
    nclaim = str(claim_next.nqueues if claim_next.args else 0)
    if outcome.status == JobStatus.FINISHED:
        return scripting.FINISH(
            connection,
            [job.key, keys.registry("started", queue), keys.registry("finished", queue),
             keys.dependents(job.id), *group_keys, *claim_next.keys],
            [job.id, token, repr(now()), job.result_ttl, outcome.result, ndependents, nclaim,
             *group_args, *claim_next.args],
        )
    retry_delay = ""
    if outcome.retryable and outcome.status == JobStatus.FAILED and job.retries_left:
        max_retries = int(job.field("retries_max") or job.retries_left)
        retry_delay = str(Retry.delay_for(job.retries_left, max_retries, job.retry_intervals))
    return scripting.FAIL(
        connection,
        [job.key, keys.registry("started", queue), keys.registry("failed", queue),
         keys.dependents(job.id), keys.queue(queue), keys.wake(queue),
         keys.registry("scheduled", queue), *group_keys, *claim_next.keys],
        [job.id, token, repr(now()), job.failure_ttl, outcome.status.value, outcome.exc_info,
         retry_delay, ndependents, nclaim, *group_args, *claim_next.args],
    )


def run_synchronously(job: Job, queue: Queue) -> None:
    """``Queue(is_async=False)``: run the job (and dependents it releases) right here."""
    pending = [job.id]
    while pending:
        job_id = pending.pop(0)
        token = new_token()
        claimed = scripting.CLAIM_JOB(
            queue.connection,
            [queue.keys.queue(queue.name), queue.keys.registry("started", queue.name)],
            [job_id, repr(now() + 3600)],
        )
        if not claimed:
            continue
        running = start(queue.connection, queue.keys, queue.name, job_id, token,
                        serializer=queue.serializer)
        if running is None:
            continue
        outcome = perform(running, queue.connection)
        pending += settle(queue.connection, queue.keys, running, outcome, token).released
    with contextlib.suppress(NoSuchJobError):
        job.refresh()
