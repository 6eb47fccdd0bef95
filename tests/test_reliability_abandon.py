"""Crash-safe delivery (issue #4, item 1): a worker SIGKILLed mid-job (its whole process group)
has its job settled by another live worker's reaper within bounded time, and execution tokens
keep a worker that was presumed dead from overwriting the outcome of a re-run."""

from __future__ import annotations

import time

import pytest

from jobctl import JobStatus, Queue, Retry, Worker
from jobctl.execution import Outcome
from jobctl.lifecycle import settle, start
from jobctl.maintenance import AbandonPolicy, reap_abandoned
from tests import reliability_jobs as rjobs
from tests.reliability_support import (
    KEYS,
    LEASE,
    MAINTENANCE,
    Fleet,
    alive,
    horse_pids,
    job_field,
    kill_if_same,
    process_ref,
    wait_for,
)

SETTLE_BOUND = LEASE + 4 * MAINTENANCE + 2.0
"""Kill to settlement: the lease runs out, then the next maintenance pass of a live worker
(plus slack for a loaded test machine)."""


@pytest.fixture
def fleet(redis_url, tmp_path, connection):
    with Fleet(redis_url, tmp_path, connection) as fleet:
        yield fleet


@pytest.fixture
def orphans():
    """Processes a failing test may leave behind (work-horses of killed workers), noted with
    their start time and killed at the end if they still run."""
    refs: list[tuple[int, str] | None] = []
    yield refs
    for ref in refs:
        kill_if_same(ref)


def _running_on(connection, job_id: str, fleet: Fleet, timeout: float = 10.0):
    """The fleet worker that runs ``job_id`` once it has started."""
    def owner():
        if job_field(connection, job_id, "status") != "started":
            return None
        name = job_field(connection, job_id, "worker")
        return next((w for w in fleet.workers if w.name == name and w.running), None)

    return wait_for(owner, timeout, f"job {job_id} to start on a live worker")


def _settled_after_kill(connection, job_id: str, token: str) -> float:
    """Wait until the execution ``token`` no longer owns the job; returns the seconds taken."""
    killed_at = time.monotonic()
    wait_for(lambda: job_field(connection, job_id, "token") != token
             or job_field(connection, job_id, "status") != "started",
             SETTLE_BOUND + 3, f"job {job_id} to be settled after its worker died")
    return time.monotonic() - killed_at


def test_a_killed_workers_job_fails_with_abandoned_job_error(connection, fleet, orphans):
    fleet.start(name="first")
    fleet.start(name="second")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.note_pid_and_sleep, "pids", 30)
    victim = _running_on(connection, job.id, fleet)
    horse = wait_for(lambda: horse_pids(connection, "pids"), 5, "the job's process")[0]
    orphans.append(process_ref(horse))
    token = job_field(connection, job.id, "token")
    victim.kill_group()
    took = _settled_after_kill(connection, job.id, token)
    print(f"\nkill -> job settled (fail policy): {took:.2f} s")
    assert took <= SETTLE_BOUND
    assert job.get_status() == JobStatus.FAILED
    assert job.exc_info.startswith("AbandonedJobError")
    assert victim.name in job.exc_info
    assert job.id in q.failed_job_registry
    assert job.id not in q.started_job_registry
    assert connection.ttl(job.key) > 0
    # The work-horse does not outlive its worker: it would run on unsupervised (and, with
    # --on-abandon requeue, side by side with the re-run).
    wait_for(lambda: not alive(horse), 3, f"the dead worker's work-horse {horse} to exit")
    assert connection.llen("pids") == 1


def test_a_killed_workers_job_with_retries_left_is_retried(connection, fleet):
    fleet.start(name="first")
    fleet.start(name="second")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.slow_first_run, "runs", 30, retry=Retry(max=1))
    victim = _running_on(connection, job.id, fleet)
    wait_for(lambda: connection.llen("runs") == 1, 5, "the first run to begin")
    token = job_field(connection, job.id, "token")
    victim.kill_group()
    _settled_after_kill(connection, job.id, token)
    wait_for(lambda: job.get_status() == JobStatus.FINISHED, 10, "the retry to finish")
    assert job.return_value() == 2
    assert connection.llen("runs") == 2
    assert job_field(connection, job.id, "retries_left") == "0"
    assert job.worker_name != victim.name


def test_on_abandon_requeue_reruns_the_job_and_fails_it_after_the_cap(connection, fleet, orphans):
    cap = 3  # jobctl worker --on-abandon requeue: AbandonPolicy's default cap
    for index in range(2):
        fleet.start("--on-abandon", "requeue", name=f"requeue-{index}")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.note_pid_and_sleep, "pids", 30)
    for attempt in range(cap + 1):
        victim = _running_on(connection, job.id, fleet)
        wait_for(lambda n=attempt: connection.llen("pids") == n + 1, 5, "the run to begin")
        orphans.append(process_ref(horse_pids(connection, "pids")[-1]))
        token = job_field(connection, job.id, "token")
        fleet.start("--on-abandon", "requeue", name=f"requeue-{attempt + 2}", wait=False)
        victim.kill_group()
        _settled_after_kill(connection, job.id, token)
        if attempt < cap:
            assert job_field(connection, job.id, "abandoned") == str(attempt + 1)
    wait_for(lambda: job.get_status() == JobStatus.FAILED, 5, "the capped job to fail")
    assert job.exc_info.startswith("AbandonedJobError")
    assert connection.llen("pids") == cap + 1
    assert job_field(connection, job.id, "abandoned") == str(cap)
    assert job.id in q.failed_job_registry


def test_a_long_healthy_job_is_not_taken_for_abandoned(connection, fleet):
    """A job that outlives the lease keeps it while its worker heartbeats."""
    fleet.start(name="busy")
    fleet.start(name="reaper")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.run_once_marked, "runs", 4 * LEASE)
    margins: list[float] = []

    def finished() -> bool:
        expiry = connection.zscore(KEYS.registry("started", "default"), job.id)
        if expiry is not None:
            margins.append(expiry - time.time())
        return job.get_status() == JobStatus.FINISHED

    wait_for(finished, 15, "the long job to finish")
    assert connection.llen("runs") == 1
    assert job_field(connection, job.id, "abandoned") is None
    # Heartbeats every 0.2 s renew a 1 s lease: it never comes close to lapsing.
    assert len(margins) > 50
    assert min(margins) > 0.3 * LEASE, f"the lease came within {min(margins):.3f} s of lapsing"


def test_a_dead_workers_job_is_reaped_while_every_other_worker_is_busy(connection, fleet):
    """The reaper must not wait for a live worker to go idle: it runs while jobs run too."""
    busy = fleet.start("long", name="busy")
    fleet.start(name="victim")
    long_queue = Queue("long", connection=connection)
    q = Queue(connection=connection)
    long_job = long_queue.enqueue(rjobs.run_once_marked, "long-runs", 10)
    wait_for(lambda: job_field(connection, long_job.id, "status") == "started", 10,
             "the long job to start")
    job = q.enqueue(rjobs.run_once_marked, "runs", 30)
    victim = _running_on(connection, job.id, fleet)
    token = job_field(connection, job.id, "token")
    victim.kill_group()
    took = _settled_after_kill(connection, job.id, token)
    assert took <= SETTLE_BOUND
    assert job.get_status() == JobStatus.FAILED
    assert job_field(connection, long_job.id, "status") == "started"
    assert job_field(connection, long_job.id, "worker") == busy.name


# -- execution tokens fence a worker that was presumed dead --------------------------------------


def _presumed_dead(connection, q: Queue) -> tuple[str, str]:
    """A worker claims and starts the job, then stalls past its lease; returns (id, token)."""
    job = q.enqueue(rjobs.run_once_marked, "runs")
    stale = Worker([q], connection=connection, name="stale", lease=0.3)
    claimed = stale.claim()
    assert claimed is not None and (claimed.queue, claimed.job_id) == ("default", job.id)
    token = "stale-token"
    assert start(connection, KEYS, "default", job.id, token, "stale") is not None
    wait_for(lambda: reap_abandoned(connection, KEYS, ["default"], AbandonPolicy("requeue")),
             5, "the stale worker's lease to expire and the job to be requeued")
    assert job.get_status() == JobStatus.QUEUED
    return job.id, token


@pytest.mark.parametrize("late_outcome", [
    Outcome(JobStatus.FINISHED, result=b"stale"),
    Outcome(JobStatus.FAILED, exc_info="stale failure"),
    Outcome(JobStatus.STOPPED, exc_info="stale stop", retryable=False),
])
def test_a_stale_token_cannot_overwrite_the_outcome_of_a_rerun(connection, late_outcome):
    q = Queue(connection=connection)
    job_id, stale_token = _presumed_dead(connection, q)
    Worker([q], connection=connection, heartbeat_interval=0.2, block_timeout=0.2).work(burst=True)
    job = q.fetch_job(job_id)
    assert job is not None and job.get_status() == JobStatus.FINISHED
    before = connection.hgetall(job.key)
    settle(connection, KEYS, job, late_outcome, stale_token)
    assert connection.hgetall(job.key) == before
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value(refresh=True) == job_id
    assert job_id in q.finished_job_registry
    assert job_id not in q.failed_job_registry


@pytest.mark.parametrize("status", [JobStatus.FINISHED, JobStatus.FAILED])
def test_a_stale_token_cannot_disturb_a_new_claim_before_it_starts(connection, status):
    """Between a new worker's claim and its start, the job has no token: a late settle by the
    presumed-dead worker must leave the new claim alone (else the job would be lost)."""
    q = Queue(connection=connection)
    job_id, stale_token = _presumed_dead(connection, q)
    fresh = Worker([q], connection=connection, name="fresh", heartbeat_interval=0.2)
    claimed = fresh.claim()
    assert claimed is not None and (claimed.queue, claimed.job_id) == ("default", job_id)
    assert claimed.fields is None  # a fresh worker has no candidates: claimed, not started
    job = q.fetch_job(job_id)
    assert job is not None
    settle(connection, KEYS, job, Outcome(status, result=b"stale", exc_info="stale"), stale_token)
    assert job_id in q.started_job_registry
    assert job.get_status() == JobStatus.QUEUED
    fresh.process(claimed)
    assert job.get_status() == JobStatus.FINISHED
    assert connection.lrange("runs", 0, -1) == [job_id.encode()]
