"""Controlling live workers (issue #4, item 8): stop a job, kill a worker's work-horse, warm-stop a
worker by name (busy or idle and blocked on its queues), suspend/resume every worker, and
pause/resume one queue. Workers run with production knobs here, so a command acts because it
wakes the worker, not because some short timeout happens to pass."""

from __future__ import annotations

import time

import pytest

from jobctl import (
    JobStatus,
    Queue,
    send_kill_horse_command,
    send_shutdown_command,
    send_stop_job_command,
)
from jobctl.suspension import is_suspended, resume, suspend
from tests import jobs
from tests import reliability_jobs as rjobs
from tests.reliability_support import KEYS, Fleet, alive, holds, horse_pids, wait_for

ACTS_WITHIN = 3.0
"""Seconds within which a command must have acted (the busy worker checks every second)."""


@pytest.fixture
def fleet(redis_url, tmp_path, connection):
    with Fleet(redis_url, tmp_path, connection) as fleet:
        yield fleet


def _running_with_horse(connection, q: Queue):
    job = q.enqueue(rjobs.note_pid_and_sleep, "pids", 30, on_stopped=jobs.record_stopped)
    wait_for(lambda: horse_pids(connection, "pids"), 10, "the job to start")
    return job, horse_pids(connection, "pids")[0]


def test_stop_job_command_stops_a_running_job(connection, fleet):
    worker = fleet.start(fast=False)
    q = Queue(connection=connection)
    job, horse = _running_with_horse(connection, q)
    after = q.enqueue(jobs.add, 1, 2)
    sent = time.monotonic()
    send_stop_job_command(connection, job.id)
    wait_for(lambda: job.get_status() == JobStatus.STOPPED, ACTS_WITHIN, "the job to stop")
    took = time.monotonic() - sent
    print(f"\nstop-job acted in {took:.2f} s")
    assert "stopped on request" in job.exc_info
    assert connection.lrange(jobs.CALLBACK_LOG, 0, -1) == [f"stopped:{job.id}".encode()]
    assert job.id in q.failed_job_registry
    wait_for(lambda: not alive(horse), 2, "the work-horse to be gone")
    wait_for(lambda: after.get_status() == JobStatus.FINISHED, 5, "the next job")
    assert worker.running


def test_kill_horse_command_kills_the_current_child(connection, fleet):
    worker = fleet.start(fast=False)
    q = Queue(connection=connection)
    job, horse = _running_with_horse(connection, q)
    after = q.enqueue(jobs.add, 1, 2)
    send_kill_horse_command(connection, worker.name)
    wait_for(lambda: not alive(horse), ACTS_WITHIN, "the work-horse to be killed")
    wait_for(lambda: job.get_status() == JobStatus.STOPPED, 2, "the job to be settled")
    assert "work-horse was killed on request" in job.exc_info
    wait_for(lambda: after.get_status() == JobStatus.FINISHED, 5, "the next job")
    assert worker.running


def test_kill_horse_command_to_an_idle_worker_is_harmless(connection, fleet):
    worker = fleet.start(fast=False)
    send_kill_horse_command(connection, worker.name)
    wait_for(lambda: not connection.exists(KEYS.worker_commands(worker.name)), ACTS_WITHIN,
             "the idle worker to read the command")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.run_once_marked, "runs", 0.5)
    wait_for(lambda: job.get_status() == JobStatus.FINISHED, 5, "a later job to run untouched")
    assert worker.running


def test_shutdown_command_stops_a_busy_worker_warm(connection, fleet):
    worker = fleet.start(fast=False)
    q = Queue(connection=connection)
    running = q.enqueue(rjobs.run_once_marked, "runs", 1.5)
    waiting = q.enqueue(rjobs.run_once_marked, "runs")
    wait_for(lambda: running.get_status() == JobStatus.STARTED, 10, "the job to start")
    send_shutdown_command(connection, worker.name)
    assert worker.wait_exit(1.5 + ACTS_WITHIN) == 0
    assert running.get_status() == JobStatus.FINISHED
    assert waiting.get_status() == JobStatus.QUEUED


def test_shutdown_command_stops_an_idle_blocked_worker_at_once(connection, fleet):
    worker = fleet.start(fast=False)  # blocks on its queues for 5 s at a time
    time_sent = time.monotonic()
    send_shutdown_command(connection, worker.name)
    assert worker.wait_exit(ACTS_WITHIN) == 0
    took = time.monotonic() - time_sent
    print(f"\nshutdown of an idle worker took {took:.2f} s")
    assert took < 1.5
    assert not connection.exists(KEYS.worker(worker.name))


def test_suspend_and_resume_every_worker(connection, fleet):
    workers = [fleet.start(name=f"s{i}") for i in range(2)]
    q = Queue(connection=connection)
    running = q.enqueue(rjobs.run_once_marked, "runs", 1.0)
    wait_for(lambda: running.get_status() == JobStatus.STARTED, 10, "a job to start")
    suspend(connection)
    assert is_suspended(connection)
    queued = [q.enqueue(rjobs.run_once_marked, "runs") for _ in range(4)]
    wait_for(lambda: running.get_status() == JobStatus.FINISHED, 5,
             "the running job to finish despite the suspension")
    wait_for(lambda: all(connection.hget(KEYS.worker(w.name), "state") == b"suspended"
                         for w in workers), 3, "the workers to report suspended")
    holds(lambda: all(j.get_status() == JobStatus.QUEUED for j in queued), 1.0,
          "suspended workers take no job")
    resumed = time.monotonic()
    resume(connection)
    wait_for(lambda: all(j.get_status() == JobStatus.FINISHED for j in queued), 5,
             "the queued jobs to run after resume")
    assert time.monotonic() - resumed < 2.0
    assert all(w.running for w in workers)


def test_pause_and_resume_one_queue(connection, fleet):
    fleet.start("paused", "open", fast=False)
    paused = Queue("paused", connection=connection)
    open_queue = Queue("open", connection=connection)
    paused.pause()
    held = [paused.enqueue(rjobs.run_once_marked, "runs") for _ in range(3)]
    ran = [open_queue.enqueue(rjobs.run_once_marked, "runs") for _ in range(3)]
    wait_for(lambda: all(j.get_status() == JobStatus.FINISHED for j in ran), 10,
             "the other queue's jobs to run")
    holds(lambda: all(j.get_status() == JobStatus.QUEUED for j in held), 1.0,
          "the paused queue's jobs stay queued")
    assert paused.count == 3
    resumed = time.monotonic()
    paused.resume()
    wait_for(lambda: all(j.get_status() == JobStatus.FINISHED for j in held), 5,
             "the paused queue's jobs to run after resume")
    assert time.monotonic() - resumed < 2.0
