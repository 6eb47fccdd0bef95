"""Job callbacks (seed 13-15): on_success, on_failure, on_stopped and their time limits."""

from __future__ import annotations

import pytest

from jobctl import Callback, DeferredJobRegistry, FailedJobRegistry, Job, JobStatus, Queue
from jobctl.defaults import CALLBACK_TIMEOUT
from jobctl.exceptions import InvalidDurationError
from tests import jobs
from tests.fixtures_engine import burst


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


def _log(connection) -> list[str]:
    return [entry.decode() for entry in connection.lrange(jobs.CALLBACK_LOG, 0, -1)]


# -- Callback objects --------------------------------------------------------------------------


def test_callback_timeout_defaults_to_60_seconds():
    assert Callback(jobs.record_success).timeout == CALLBACK_TIMEOUT == 60


@pytest.mark.parametrize(("given", "seconds"), [("2m", 120), (5, 5), ("30", 30), ("1h", 3600)])
def test_callback_timeout_takes_the_job_timeout_formats(given, seconds):
    assert Callback(jobs.record_success, timeout=given).timeout == seconds


@pytest.mark.parametrize("bad", [0, -5, "10x", "abc"])
def test_callback_timeout_rejects_bad_values(bad):
    with pytest.raises(InvalidDurationError, match="30s, 5m, 2h"):
        Callback(jobs.record_success, timeout=bad)


def test_callbacks_are_stored_with_the_job(q, connection):
    job = q.enqueue(
        jobs.add, 1, 2,
        on_success=Callback(jobs.record_success, timeout="2m"),
        on_failure=jobs.record_failure,
        on_stopped="tests.jobs.record_stopped",
    )
    fetched = Job.fetch(job.id, connection=connection)
    assert fetched.success_callback.func_name == "tests.jobs.record_success"
    assert fetched.success_callback.timeout == 120
    assert fetched.failure_callback.func_name == "tests.jobs.record_failure"
    assert fetched.failure_callback.timeout == 60
    assert fetched.stopped_callback.func_name == "tests.jobs.record_stopped"


def test_a_nested_function_is_refused_as_a_callback(q, connection):
    def local_callback(job, connection, result):
        return None

    with pytest.raises(ValueError, match="nested function"):
        q.enqueue(jobs.add, 1, 2, on_success=local_callback)
    assert connection.keys("*") == []


# -- on_success ---------------------------------------------------------------------------------


@pytest.mark.parametrize("simple", [False, True], ids=["fork", "in-process"])
def test_on_success_gets_the_job_connection_and_result(q, connection, simple):
    job = q.enqueue(jobs.add, 2, 3, on_success=Callback(jobs.record_success))
    burst(q, simple=simple)
    assert job.get_status() == JobStatus.FINISHED
    assert _log(connection) == [f"success:{job.id}:5"]


def test_a_plain_function_is_accepted_as_a_callback(q, connection):
    job = q.enqueue(jobs.add, 2, 3, on_success=jobs.record_success)
    burst(q)
    assert _log(connection) == [f"success:{job.id}:5"]


def test_on_success_runs_before_dependents_are_enqueued(q, connection):
    parent = q.enqueue(jobs.record, "order", "parent", on_success=jobs.record_success)
    q.enqueue(jobs.record, jobs.CALLBACK_LOG, "dependent", depends_on=parent)
    burst(q)
    assert _log(connection) == [f"success:{parent.id}:parent", "dependent"]


def test_a_raising_success_callback_fails_the_job_and_keeps_dependents_deferred(q):
    parent = q.enqueue(jobs.add, 1, 2, on_success=jobs.raising_success_callback)
    child = q.enqueue(jobs.add, 3, 4, depends_on=parent)
    burst(q)
    assert parent.get_status() == JobStatus.FAILED
    assert "RuntimeError: success callback failed" in parent.exc_info
    assert parent.id in FailedJobRegistry(queue=q)
    assert child.get_status() == JobStatus.DEFERRED
    assert DeferredJobRegistry(queue=q).get_job_ids() == [child.id]


def test_a_success_callback_over_its_timeout_fails_the_job(q):
    job = q.enqueue(jobs.add, 1, 2, on_success=Callback(jobs.slow_callback, timeout=1))
    burst(q)
    assert job.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in job.exc_info
    assert "callback tests.jobs.slow_callback exceeded its timeout of 1 seconds" in job.exc_info


def test_synchronous_queues_run_callbacks_too(connection):
    q = Queue(connection=connection, is_async=False)
    job = q.enqueue(jobs.add, 2, 3, on_success=jobs.record_success)
    assert job.result == 5
    assert _log(connection) == [f"success:{job.id}:5"]


# -- on_failure ---------------------------------------------------------------------------------


@pytest.mark.parametrize("simple", [False, True], ids=["fork", "in-process"])
def test_on_failure_gets_the_exception(q, connection, simple):
    job = q.enqueue(jobs.fail, on_failure=Callback(jobs.record_failure, timeout=5),
                    on_success=jobs.record_success)
    burst(q, simple=simple)
    assert job.get_status() == JobStatus.FAILED
    assert _log(connection) == [f"failure:{job.id}:ValueError"]


def test_on_failure_sees_a_timeout(q, connection):
    job = q.enqueue(jobs.sleep_for, 5, job_timeout=1, on_failure=jobs.record_failure)
    burst(q)
    assert _log(connection) == [f"failure:{job.id}:JobTimeoutException"]


def test_on_failure_is_not_called_on_success(q, connection):
    q.enqueue(jobs.add, 1, 2, on_failure=jobs.record_failure)
    burst(q)
    assert _log(connection) == []


def test_a_raising_failure_callback_is_reported_in_exc_info(q, connection):
    job = q.enqueue(jobs.fail, on_failure=jobs.raising_failure_callback)
    burst(q)
    assert job.get_status() == JobStatus.FAILED
    assert "ValueError: boom" in job.exc_info
    assert "The failure callback raised too" in job.exc_info


# on_stopped: see tests/test_worker.py::test_send_stop_job_command_stops_a_running_job
