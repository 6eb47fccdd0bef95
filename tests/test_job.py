"""The Job: fetching, status, outcome, meta, timestamps, cancel, delete, requeue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobctl import (
    CanceledJobRegistry,
    FailedJobRegistry,
    InvalidJobOperation,
    Job,
    JobStatus,
    NoSuchJobError,
    Queue,
    get_current_job,
)
from tests import jobs
from tests.fixtures_engine import KEYS, burst


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


# -- fetching and identity --------------------------------------------------------------------


def test_fetch_loads_a_job_by_id(q, connection):
    job = q.enqueue(jobs.add, 1, 2, description="sum")
    fetched = Job.fetch(job.id, connection=connection)
    assert fetched == job
    assert fetched.func_name == "tests.jobs.add"
    assert fetched.args == (1, 2)
    assert fetched.kwargs == {}
    assert fetched.description == "sum"
    assert fetched.origin == "default"
    assert fetched.get_status() == JobStatus.QUEUED


def test_fetch_of_a_missing_job_raises(connection):
    with pytest.raises(NoSuchJobError, match="no such job 'nope'"):
        Job.fetch("nope", connection=connection)
    assert not Job.exists("nope", connection=connection)


def test_fetch_many_returns_none_for_missing_jobs(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    assert Job.fetch_many([job.id, "gone"], connection=connection) == [job, None]


# -- status and outcome -----------------------------------------------------------------------


def test_status_result_and_return_value(q, connection):
    job = q.enqueue(jobs.add, 2, 3)
    assert job.get_status() == JobStatus.QUEUED
    assert job.is_queued
    assert job.return_value() is None
    burst(q)
    assert job.get_status() == "finished"
    assert job.is_finished
    assert job.return_value() == 5
    assert job.result == 5
    assert Job.fetch(job.id, connection=connection).return_value() == 5
    assert job.exc_info is None


def test_exc_info_of_a_failed_job(q, connection):
    job = q.enqueue(jobs.fail, "it broke")
    burst(q)
    assert job.get_status() == JobStatus.FAILED
    assert job.is_failed
    assert job.result is None
    assert "ValueError: it broke" in job.exc_info
    assert "Traceback" in job.exc_info
    assert job.id in FailedJobRegistry(queue=q).get_job_ids()


def test_status_of_a_deleted_job_is_none(q):
    job = q.enqueue(jobs.add, 1, 2)
    job.delete()
    assert job.get_status() is None


# -- stored attributes ------------------------------------------------------------------------


def test_origin_timeout_and_ttl(connection):
    q = Queue("low", connection=connection)
    job = q.enqueue(jobs.add, 1, 2, job_timeout="3m", ttl=120)
    fetched = Job.fetch(job.id, connection=connection)
    assert fetched.origin == "low"
    assert fetched.timeout == 180
    assert fetched.ttl == 120
    plain = q.enqueue(jobs.add, 1, 2)
    assert plain.timeout == 180  # the default, as in RQ
    assert plain.ttl is None


def test_timestamps_are_aware_utc_and_ordered(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    assert job.started_at is None and job.ended_at is None
    burst(q)
    job = Job.fetch(job.id, connection=connection)
    stamps = [job.created_at, job.enqueued_at, job.started_at, job.ended_at]
    assert all(s is not None for s in stamps)
    for stamp in stamps:
        assert stamp.tzinfo is not None
        assert stamp.utcoffset() == timedelta(0)
    assert stamps == sorted(stamps)


def test_worker_name_is_recorded(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    worker = burst(q)
    assert Job.fetch(job.id, connection=connection).worker_name == worker.name


# -- meta ---------------------------------------------------------------------------------------


def test_meta_given_at_enqueue_and_saved_later(q, connection):
    job = q.enqueue(jobs.add, 1, 2, meta={"owner": "ops"})
    assert Job.fetch(job.id, connection=connection).meta == {"owner": "ops"}
    job.meta["progress"] = 50
    job.save_meta()
    assert Job.fetch(job.id, connection=connection).meta == {"owner": "ops", "progress": 50}


def test_meta_saved_from_inside_the_job(q, connection):
    job = q.enqueue(jobs.touch_meta, "progress", 100, meta={"owner": "ops"})
    burst(q)
    fetched = Job.fetch(job.id, connection=connection)
    assert fetched.get_status() == JobStatus.FINISHED
    assert fetched.meta == {"owner": "ops", "progress": 100}


# -- get_current_job ----------------------------------------------------------------------------


def test_get_current_job_inside_and_outside_a_job(q):
    assert get_current_job() is None
    forked = q.enqueue(jobs.current_job_id)
    in_process = q.enqueue(jobs.current_job_id)
    burst(q, max_jobs=1)
    burst(q, simple=True)
    assert forked.result == forked.id
    assert in_process.result == in_process.id
    assert get_current_job() is None


# -- cancel -------------------------------------------------------------------------------------


def test_cancel_a_queued_job(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    other = q.enqueue(jobs.add, 3, 4)
    job.cancel()
    assert job.get_status() == JobStatus.CANCELED
    assert job.is_canceled
    assert q.job_ids == [other.id]
    assert job.id in CanceledJobRegistry(queue=q).get_job_ids()
    burst(q)
    assert job.get_status() == JobStatus.CANCELED
    assert job.result is None
    assert other.result == 7


def test_cancel_of_a_finished_job_raises(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    burst(q)
    with pytest.raises(InvalidJobOperation, match="its status is finished"):
        job.cancel()
    assert job.get_status() == JobStatus.FINISHED


def test_cancel_of_a_missing_job_raises(connection):
    with pytest.raises(NoSuchJobError):
        Job("gone", connection=connection).cancel()
    assert connection.keys("*") == []


# -- delete ---------------------------------------------------------------------------------------


def test_delete_removes_the_job_from_queue_and_redis(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    job.delete()
    assert len(q) == 0
    assert not connection.exists(job.key)
    with pytest.raises(NoSuchJobError):
        Job.fetch(job.id, connection=connection)


def test_delete_removes_a_failed_job_from_its_registry(q, connection):
    job = q.enqueue(jobs.fail)
    burst(q)
    registry = FailedJobRegistry(queue=q)
    assert job.id in registry
    job.delete()
    assert job.id not in registry
    assert connection.keys(KEYS.job("*")) == []


# -- requeue ------------------------------------------------------------------------------------


def test_requeue_a_failed_job_after_the_code_is_fixed(q, connection):
    job = q.enqueue(jobs.fail_unless_flag, "fixed-flag")
    burst(q)
    assert job.get_status() == JobStatus.FAILED
    assert "fixed-flag is not set yet" in job.exc_info
    connection.set("fixed-flag", "1")  # the "deploy"
    job.requeue()
    assert job.get_status() == JobStatus.QUEUED
    assert q.job_ids == [job.id]
    assert job.id not in FailedJobRegistry(queue=q)
    assert connection.ttl(job.key) == -1  # no longer under failure_ttl
    burst(q)
    assert job.get_status() == JobStatus.FINISHED
    assert job.result == "fixed"
    assert job.exc_info is None


def test_requeue_of_a_queued_or_finished_job_raises(q):
    job = q.enqueue(jobs.add, 1, 2)
    with pytest.raises(InvalidJobOperation, match="its status is queued"):
        job.requeue()
    burst(q)
    with pytest.raises(InvalidJobOperation, match="its status is finished"):
        job.requeue()


def test_requeue_a_canceled_job(q):
    job = q.enqueue(jobs.add, 1, 2)
    job.cancel()
    job.requeue()
    assert job.id not in CanceledJobRegistry(queue=q)
    burst(q)
    assert job.result == 3


# -- dependency ids -----------------------------------------------------------------------------


def test_dependency_ids_and_dependent_ids(q, connection):
    first = q.enqueue(jobs.add, 1, 2)
    second = q.enqueue(jobs.add, 3, 4)
    dependent = q.enqueue(jobs.add, 5, 6, depends_on=[first, second])
    assert dependent.dependency_ids == [first.id, second.id]
    assert Job.fetch(dependent.id, connection=connection).dependency_ids == [first.id, second.id]
    assert first.dependent_ids == [dependent.id]
    assert second.dependent_ids == [dependent.id]
    assert first.dependency_ids == []
    burst(q)
    assert first.dependent_ids == []
    assert dependent.result == 11
