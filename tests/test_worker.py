"""Workers: fork per job (seed 19), burst mode (seed 20), priority, records, retries, stop."""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from jobctl import (
    Callback,
    FailedJobRegistry,
    InvalidJobOperation,
    JobStatus,
    NoSuchJobError,
    Queue,
    Retry,
    ScheduledJobRegistry,
    SimpleWorker,
    StartedJobRegistry,
    Worker,
    send_stop_job_command,
)
from tests import jobs
from tests.fixtures_engine import (
    KEYS,
    ROOT,
    burst,
    run_worker_process,
    snapshot,
    wait_until,
    worker_command,
    worker_env,
)

# -- seed 19: one forked child per job; SimpleWorker stays in-process -----------------------


def test_worker_forks_a_child_per_job(connection):
    q = Queue(connection=connection)
    first, second = q.enqueue(jobs.pid), q.enqueue(jobs.pid)
    burst(q)
    assert first.result != os.getpid()
    assert second.result != os.getpid()
    assert first.result != second.result


def test_simple_worker_runs_jobs_in_its_own_process(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.pid)
    worker = burst(q, simple=True)
    assert isinstance(worker, SimpleWorker)
    assert job.result == os.getpid()


def test_a_child_that_dies_fails_its_job_and_the_worker_goes_on(connection):
    q = Queue(connection=connection)
    dead = q.enqueue(jobs.exit_hard)
    after = q.enqueue(jobs.add, 1, 2)
    worker = burst(q)
    assert dead.get_status() == JobStatus.FAILED
    assert "work-horse terminated unexpectedly (exit code 3)" in dead.exc_info
    assert after.result == 3
    assert (worker.successful_job_count, worker.failed_job_count) == (1, 1)


def test_a_result_that_cannot_be_serialized_fails_the_job(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.unpicklable_result)
    burst(q)
    assert job.get_status() == JobStatus.FAILED
    assert "cannot serialize the result with pickle" in job.exc_info


# -- seed 20: burst mode, one or more queues -------------------------------------------------


def test_burst_returns_when_the_queues_are_empty(connection):
    q = Queue(connection=connection)
    queued = [q.enqueue(jobs.add, i, 1) for i in range(5)]
    worker = Worker([q], connection=connection, block_timeout=0.5)
    assert worker.work(burst=True) is True
    assert [j.result for j in queued] == [1, 2, 3, 4, 5]
    assert worker.work(burst=True) is False  # nothing left: returns at once


def test_a_burst_worker_in_its_own_process(connection, redis_url):
    high, low = Queue("high", connection=connection), Queue("low", connection=connection)
    jobs_high = [high.enqueue(jobs.add, 1, i) for i in range(3)]
    job_low = low.enqueue(jobs.fail)
    done = run_worker_process(redis_url, ["high", "low"])
    assert done.stdout.split() == ["3", "1"]
    assert [j.result for j in jobs_high] == [1, 2, 3]
    assert job_low.get_status() == JobStatus.FAILED
    assert Worker.all(connection=connection) == []


def test_a_worker_takes_queues_in_priority_order(connection):
    high, low = Queue("high", connection=connection), Queue("low", connection=connection)
    low.enqueue(jobs.record, "order", "low-1")
    low.enqueue(jobs.record, "order", "low-2")
    high.enqueue(jobs.record, "order", "high-1")
    high.enqueue(jobs.record, "order", "high-2")
    burst(high, low)
    assert connection.lrange("order", 0, -1) == [b"high-1", b"high-2", b"low-1", b"low-2"]


def test_a_worker_given_queue_names(connection):
    Queue("low", connection=connection).enqueue(jobs.record, "order", "low")
    Queue("high", connection=connection).enqueue(jobs.record, "order", "high")
    Worker(["high", "low"], connection=connection, block_timeout=0.5).work(burst=True)
    assert connection.lrange("order", 0, -1) == [b"high", b"low"]


def test_a_job_released_by_a_lower_queue_job_does_not_jump_the_priority(connection):
    high, low = Queue("high", connection=connection), Queue("low", connection=connection)
    parent = low.enqueue(jobs.record, "order", "low-parent")
    high.enqueue(jobs.record, "order", "high-child", depends_on=parent)
    low.enqueue(jobs.record, "order", "low-2")
    burst(high, low)
    assert connection.lrange("order", 0, -1) == [b"low-parent", b"high-child", b"low-2"]


# -- the worker record ----------------------------------------------------------------------


def test_worker_record_while_running_counts_after_and_gone_after_burst(connection):
    q = Queue(connection=connection)
    snap = q.enqueue(jobs.worker_snapshot)
    q.enqueue(jobs.fail)
    assert Worker.all(connection=connection) == []
    worker = Worker([q], connection=connection, name="w-test", block_timeout=0.5)
    worker.work(burst=True)
    [seen] = snap.result
    assert seen == {"name": "w-test", "state": "busy", "current_job_id": snap.id,
                    "queue_names": ["default"]}
    assert (worker.successful_job_count, worker.failed_job_count) == (1, 1)
    assert Worker.all(connection=connection) == []
    assert connection.keys(KEYS.worker("*")) == []
    assert not connection.exists(KEYS.workers)


def test_a_running_job_is_in_the_started_registry(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.started_ids, "default")
    burst(q)
    assert job.result == [job.id]
    assert StartedJobRegistry(queue=q).get_job_ids() == []


# -- retries -----------------------------------------------------------------------------------


def test_retry_max_two_runs_a_failing_job_three_times(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.count_and_fail, "attempts", retry=Retry(max=2))
    worker = burst(q)
    assert connection.get("attempts") == b"3"
    assert job.get_status() == JobStatus.FAILED
    assert job.id in FailedJobRegistry(queue=q)
    assert worker.failed_job_count == 3


def test_retry_with_an_interval_schedules_the_job(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.count_and_fail, "attempts", retry=Retry(max=1, interval=[30]))
    before = job.created_at.timestamp()
    burst(q)
    assert connection.get("attempts") == b"1"
    assert job.get_status() == JobStatus.SCHEDULED
    registry = ScheduledJobRegistry(queue=q)
    assert registry.get_job_ids() == [job.id]
    assert registry.get_expiration_time(job) >= before + 30
    assert job.id not in FailedJobRegistry(queue=q)
    assert len(q) == 0


def test_a_job_that_succeeds_on_retry(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.fail_unless_flag, "flag", retry=Retry(max=1))
    connection.set("flag", "1")
    burst(q)
    assert job.result == "fixed"


# -- stopping a running job -------------------------------------------------------------------


def _stop_when_started(connection, job, errors):
    try:
        wait_until(lambda: job.get_status() == JobStatus.STARTED, 10, "the job to start")
        send_stop_job_command(connection, job.id)
    except BaseException as exc:  # reported by the test, not lost in the thread
        errors.append(exc)


def test_send_stop_job_command_stops_a_running_job(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.sleep_for, 20, on_stopped=jobs.record_stopped)
    after = q.enqueue(jobs.add, 1, 2)
    errors: list[BaseException] = []
    sender = threading.Thread(target=_stop_when_started, args=(connection, job, errors))
    sender.start()
    try:
        worker = burst(q)
    finally:
        sender.join()
    assert errors == []
    assert job.get_status() == JobStatus.STOPPED
    assert job.is_stopped
    assert "stopped on request" in job.exc_info
    assert job.id in FailedJobRegistry(queue=q)
    assert connection.lrange(jobs.CALLBACK_LOG, 0, -1) == [f"stopped:{job.id}".encode()]
    assert after.result == 3
    assert worker.failed_job_count == 1


def test_a_stopped_job_is_not_retried(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.sleep_for, 20, retry=Retry(max=3),
                    on_stopped=Callback(jobs.record_stopped, timeout="5s"))
    errors: list[BaseException] = []
    sender = threading.Thread(target=_stop_when_started, args=(connection, job, errors))
    sender.start()
    try:
        burst(q)
    finally:
        sender.join()
    assert errors == []
    assert job.get_status() == JobStatus.STOPPED
    assert len(q) == 0
    assert connection.lrange(jobs.CALLBACK_LOG, 0, -1) == [f"stopped:{job.id}".encode()]


def test_stop_of_a_job_that_is_not_running_is_refused(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.add, 1, 2)
    before = snapshot(connection)
    with pytest.raises(InvalidJobOperation, match="its status is queued, not started"):
        send_stop_job_command(connection, job.id)
    with pytest.raises(NoSuchJobError, match="no such job 'nope'"):
        send_stop_job_command(connection, "nope")
    assert snapshot(connection) == before


# -- several workers ---------------------------------------------------------------------------


def test_two_worker_processes_run_every_job_exactly_once(connection, redis_url):
    q = Queue(connection=connection)
    queued = [q.enqueue(jobs.record, "ran", str(i)) for i in range(60)]
    workers = [
        subprocess.Popen(worker_command(redis_url, ["default"]), cwd=ROOT, env=worker_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    counts = []
    for process in workers:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        counts.append(int(out.split()[0]))
    ran = [v.decode() for v in connection.lrange("ran", 0, -1)]
    assert sorted(ran, key=int) == [str(i) for i in range(60)]
    assert sum(counts) == 60
    assert all(j.get_status() == JobStatus.FINISHED for j in queued)
