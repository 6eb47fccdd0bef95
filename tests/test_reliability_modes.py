"""Worker modes (issue #4, item 6): fork per job (default), in-process (``--no-fork``) and a pool
(``--concurrency 3``) that replaces a child that dies while its siblings keep draining."""

from __future__ import annotations

import os
import signal

import pytest

from jobctl import JobStatus, Queue
from tests import jobs
from tests import reliability_jobs as rjobs
from tests.reliability_support import KEYS, Fleet, alive, job_field, wait_for


@pytest.fixture
def fleet(redis_url, tmp_path, connection):
    with Fleet(redis_url, tmp_path, connection) as fleet:
        yield fleet


def _record_pid(connection, name: str) -> int:
    return int(connection.hget(KEYS.worker(name), "pid") or 0)


def _drain(q: Queue, count: int, timeout: float = 20.0) -> list:
    queued = [q.enqueue(jobs.pid) for _ in range(count)]
    wait_for(lambda: all(j.get_status() == JobStatus.FINISHED for j in queued), timeout,
             f"{count} jobs to finish")
    return [j.return_value() for j in queued]


def test_fork_per_job_runs_each_job_in_a_fresh_child(connection, fleet):
    worker = fleet.start()
    pids = _drain(Queue(connection=connection), 5)
    assert worker.pid not in pids
    assert len(set(pids)) == 5
    assert connection.hget(KEYS.worker(worker.name), "mode") == b"fork"


def test_no_fork_runs_jobs_in_the_worker_process(connection, fleet):
    worker = fleet.start("--no-fork")
    pids = _drain(Queue(connection=connection), 5)
    assert set(pids) == {worker.pid}
    assert connection.hget(KEYS.worker(worker.name), "mode") == b"in-process"


def test_no_fork_worker_keeps_its_lease_through_a_long_job(connection, fleet):
    fleet.start("--no-fork", name="inproc")
    fleet.start("other", name="reaper")  # reaps every queue, but takes no job from this one
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.run_once_marked, "runs", 3)
    wait_for(lambda: job.get_status() == JobStatus.FINISHED, 10, "the long in-process job")
    assert job_field(connection, job.id, "worker") == "inproc"
    assert job_field(connection, job.id, "abandoned") is None
    assert connection.llen("runs") == 1


def test_a_pool_replaces_a_child_that_dies_and_keeps_draining(connection, fleet):
    supervisor = fleet.start("--concurrency", "3", name="pool", wait=False)
    names = [f"pool-{i}" for i in range(3)]
    for name in names:
        supervisor.wait_registered(connection, name=name)
    children = {name: _record_pid(connection, name) for name in names}
    assert len(set(children.values())) == 3
    assert supervisor.pid not in children.values()

    # A child dies in the middle of a job: the supervisor restarts it, a sibling reaps the job.
    q = Queue(connection=connection)
    long_job = q.enqueue(rjobs.note_pid_and_sleep, "pids", 30)
    wait_for(lambda: job_field(connection, long_job.id, "status") == "started", 10,
             "the long job to start")
    victim = job_field(connection, long_job.id, "worker")
    assert victim in children
    horse = int(wait_for(lambda: connection.lindex("pids", 0), 5, "the horse pid").split(b":")[1])
    os.kill(children[victim], signal.SIGKILL)
    wait_for(lambda: _record_pid(connection, victim) not in (0, children[victim]), 10,
             "the supervisor to start a new child")
    replacement = _record_pid(connection, victim)
    assert alive(replacement)
    wait_for(lambda: long_job.get_status() == JobStatus.FAILED, 5, "the dead child's job to fail")
    assert long_job.exc_info.startswith("AbandonedJobError")
    wait_for(lambda: not alive(horse), 3, "the dead child's work-horse to exit")

    pids = _drain(q, 30)
    assert not set(pids) & {supervisor.pid, *children.values(), replacement}
    ran_on = {job_field(connection, j, "worker") for j in q.finished_job_registry.get_job_ids()}
    assert len(ran_on) >= 2  # the jobs spread over the pool
    assert supervisor.running
    supervisor.send(signal.SIGTERM)
    assert supervisor.wait_exit(10) == 0
    assert not any(connection.exists(KEYS.worker(name)) for name in names)
