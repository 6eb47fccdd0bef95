"""Shutdown and hard timeouts (issue #4, items 3 and 4), on real ``jobctl worker`` processes.

Warm (first SIGTERM or SIGINT): the running job finishes, no new job is taken, exit 0.
Cold (second signal, or ``--shutdown-timeout`` passing): the job's process group is killed and
the job settled at once as failed, never left ``started``. A job that ignores SIGALRM is still
stopped by the parent at its timeout plus the grace."""

from __future__ import annotations

import signal
import time

import pytest

from jobctl import JobStatus, Queue
from tests import reliability_jobs as rjobs
from tests.reliability_support import KEYS, Fleet, alive, job_field, wait_for


@pytest.fixture
def fleet(redis_url, tmp_path, connection):
    with Fleet(redis_url, tmp_path, connection) as fleet:
        yield fleet


def _started(connection, job, timeout: float = 10.0) -> None:
    wait_for(lambda: job.get_status() == JobStatus.STARTED, timeout, f"job {job.id} to start")


def _pids(connection, key: str) -> tuple[int, int]:
    """The (work-horse, grandchild) pids noted by ``spawn_grandchild_and_sleep``."""
    entry = wait_for(lambda: connection.lindex(key, 0), 10, "the job to note its pids")
    horse, grandchild = entry.split(b":")
    return int(horse), int(grandchild)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_warm_shutdown_finishes_the_job_and_takes_no_new_one(connection, fleet, signum):
    worker = fleet.start()
    q = Queue(connection=connection)
    running = q.enqueue(rjobs.run_once_marked, "runs", 1.5)
    waiting = q.enqueue(rjobs.run_once_marked, "runs")
    _started(connection, running)
    worker.send(signum)
    assert worker.wait_exit(10) == 0
    assert running.get_status() == JobStatus.FINISHED
    assert waiting.get_status() == JobStatus.QUEUED
    assert q.job_ids == [waiting.id]
    assert connection.lrange("runs", 0, -1) == [running.id.encode()]
    assert "warm shutdown" in worker.log()
    assert not connection.exists(KEYS.worker(worker.name))
    assert worker.name.encode() not in connection.smembers(KEYS.workers)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_idle_worker_stops_at_once(connection, fleet, signum):
    worker = fleet.start(fast=False)  # blocked on its queues for up to 5 s at a time
    sent = time.monotonic()
    worker.send(signum)
    assert worker.wait_exit(5) == 0
    assert time.monotonic() - sent < 2.0
    assert not connection.exists(KEYS.worker(worker.name))


def test_second_sigterm_is_cold_kills_the_process_group_and_fails_the_job(connection, fleet):
    worker = fleet.start()
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.spawn_grandchild_and_sleep, "pids", 30)
    waiting = q.enqueue(rjobs.run_once_marked, "runs")
    horse, grandchild = _pids(connection, "pids")
    worker.send(signal.SIGTERM)
    wait_for(lambda: "warm shutdown" in worker.log(), 5, "the warm shutdown to be logged")
    assert job.get_status() == JobStatus.STARTED  # warm: the job goes on
    sent = time.monotonic()
    worker.send(signal.SIGTERM)
    code = worker.wait_exit(5)
    took = time.monotonic() - sent
    assert code == 0, worker.log()
    assert took < 3.0
    assert job.get_status() == JobStatus.FAILED
    assert "shut down (cold)" in job.exc_info
    assert job.id in q.failed_job_registry
    assert job.id not in q.started_job_registry
    assert waiting.get_status() == JobStatus.QUEUED
    wait_for(lambda: not alive(horse) and not alive(grandchild), 3,
             "the job's process group to be gone")
    assert "cold shutdown" in worker.log()


def test_shutdown_timeout_turns_a_warm_shutdown_cold(connection, fleet):
    worker = fleet.start("--shutdown-timeout", "1")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.spawn_grandchild_and_sleep, "pids", 30)
    horse, grandchild = _pids(connection, "pids")
    sent = time.monotonic()
    worker.send(signal.SIGTERM)
    assert worker.wait_exit(6) == 0, worker.log()
    took = time.monotonic() - sent
    assert 1.0 <= took < 4.0
    assert job.get_status() == JobStatus.FAILED
    assert "shut down (cold)" in job.exc_info
    wait_for(lambda: not alive(horse) and not alive(grandchild), 3,
             "the job's process group to be gone")
    assert "deadline of 1s passed" in worker.log()


def test_a_warm_shutdown_within_the_timeout_is_not_cut_short(connection, fleet):
    worker = fleet.start("--shutdown-timeout", "5")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.run_once_marked, "runs", 1.0)
    _started(connection, job)
    worker.send(signal.SIGTERM)
    assert worker.wait_exit(8) == 0
    assert job.get_status() == JobStatus.FINISHED


def test_a_pool_stops_warm_then_cold(connection, fleet):
    supervisor = fleet.start("--concurrency", "2", name="pool", wait=False)
    for index in range(2):
        supervisor.wait_registered(connection, name=f"pool-{index}")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.spawn_grandchild_and_sleep, "pids", 30)
    horse, grandchild = _pids(connection, "pids")
    idle = "pool-1" if job_field(connection, job.id, "worker") == "pool-0" else "pool-0"
    supervisor.send(signal.SIGTERM)
    wait_for(lambda: not connection.exists(KEYS.worker(idle)), 5, "the idle pool worker to stop")
    assert job.get_status() == JobStatus.STARTED
    supervisor.send(signal.SIGTERM)
    assert supervisor.wait_exit(5) == 0, supervisor.log()
    assert job.get_status() == JobStatus.FAILED
    wait_for(lambda: not alive(horse) and not alive(grandchild), 3,
             "the job's process group to be gone")


# -- item 4: timeouts that hold --------------------------------------------------------------


def test_a_job_that_blocks_sigalrm_is_killed_at_its_timeout_plus_grace(connection, fleet):
    fleet.start_library(hard_kill_grace=1.0)
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.spawn_grandchild_and_sleep, "pids", 30, True, job_timeout=1)
    after = q.enqueue(rjobs.run_once_marked, "runs")
    horse, grandchild = _pids(connection, "pids")
    wait_for(lambda: job.get_status() == JobStatus.FAILED, 6, "the parent to kill the job")
    ran_for = float(job_field(connection, job.id, "ended_at")) - float(
        job_field(connection, job.id, "started_at"))
    assert 2.0 <= ran_for < 3.5, ran_for
    assert "JobTimeoutException" in job.exc_info
    assert "killed after 2 seconds" in job.exc_info
    wait_for(lambda: not alive(horse) and not alive(grandchild), 3,
             "the job's process group to be gone")
    wait_for(lambda: after.get_status() == JobStatus.FINISHED, 5, "the next job to run")


def test_the_soft_timeout_stops_a_cooperative_job_first(connection, fleet):
    fleet.start_library(hard_kill_grace=5.0)
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.run_once_marked, "runs", 30, job_timeout=1)
    wait_for(lambda: job.get_status() == JobStatus.FAILED, 5, "the soft timeout to stop the job")
    ran_for = float(job_field(connection, job.id, "ended_at")) - float(
        job_field(connection, job.id, "started_at"))
    assert 1.0 <= ran_for < 2.5, ran_for
    assert "JobTimeoutException" in job.exc_info
    assert "killed after" not in job.exc_info
