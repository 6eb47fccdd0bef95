"""Job dependencies (seed 12): deferred until every dependency finished successfully."""

from __future__ import annotations

import pytest

from jobctl import DeferredJobRegistry, Dependency, Job, JobStatus, Queue
from tests import jobs
from tests.fixtures_engine import burst


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


def test_depends_on_a_job_defers_until_it_finishes(q, connection):
    report = q.enqueue(jobs.record, "order", "report")
    send = q.enqueue(jobs.record, "order", "send", depends_on=report)
    assert send.get_status() == JobStatus.DEFERRED
    assert send.is_deferred
    assert q.job_ids == [report.id]
    registry = DeferredJobRegistry(queue=q)
    assert registry.get_job_ids() == [send.id]
    assert registry.count == 1
    assert Job.fetch(send.id, connection=connection).enqueued_at is None
    burst(q)
    assert connection.lrange("order", 0, -1) == [b"report", b"send"]
    assert send.get_status() == JobStatus.FINISHED
    assert registry.get_job_ids() == []


def test_released_job_is_queued_before_a_worker_takes_it(q, connection):
    parent = q.enqueue(jobs.add, 1, 2)
    child = q.enqueue(jobs.add, 3, 4, depends_on=parent)
    burst(q, max_jobs=1)
    assert parent.get_status() == JobStatus.FINISHED
    assert child.get_status() == JobStatus.QUEUED
    assert q.job_ids == [child.id]
    assert Job.fetch(child.id, connection=connection).enqueued_at is not None


def test_depends_on_a_job_id(q):
    parent = q.enqueue(jobs.add, 1, 2, job_id="parent")
    child = q.enqueue(jobs.add, 3, 4, depends_on="parent")
    assert child.dependency_ids == ["parent"]
    assert child.is_deferred
    burst(q)
    assert (parent.result, child.result) == (3, 7)


def test_depends_on_a_list_waits_for_all(q, connection):
    first = q.enqueue(jobs.add, 1, 1)
    second = Queue("other", connection=connection).enqueue(jobs.add, 2, 2)
    child = q.enqueue(jobs.add, 3, 3, depends_on=[first, second.id])
    burst(q)
    assert first.result == 2
    assert child.get_status() == JobStatus.DEFERRED  # "other" has not run yet
    burst(Queue("other", connection=connection))
    assert child.get_status() == JobStatus.QUEUED
    burst(q)
    assert child.result == 6


def test_depends_on_a_finished_job_is_queued_at_once(q):
    parent = q.enqueue(jobs.add, 1, 2)
    burst(q)
    child = q.enqueue(jobs.add, 3, 4, depends_on=parent)
    assert child.get_status() == JobStatus.QUEUED
    assert q.job_ids == [child.id]


def test_a_failed_dependency_keeps_the_dependent_deferred(q):
    parent = q.enqueue(jobs.fail)
    child = q.enqueue(jobs.add, 1, 2, depends_on=parent)
    burst(q)
    assert parent.get_status() == JobStatus.FAILED
    assert child.get_status() == JobStatus.DEFERRED
    assert child.result is None
    assert DeferredJobRegistry(queue=q).get_job_ids() == [child.id]


def test_one_failed_dependency_of_several_keeps_it_deferred(q):
    good = q.enqueue(jobs.add, 1, 2)
    bad = q.enqueue(jobs.fail)
    child = q.enqueue(jobs.add, 3, 4, depends_on=[good, bad])
    burst(q)
    assert child.get_status() == JobStatus.DEFERRED


def test_allow_failure_releases_the_dependent_when_the_dependency_fails(q):
    bad = q.enqueue(jobs.fail)
    good = q.enqueue(jobs.add, 1, 2)
    child = q.enqueue(jobs.add, 3, 4, depends_on=Dependency(jobs=[bad, good], allow_failure=True))
    assert child.allow_dependency_failure
    burst(q)
    assert bad.get_status() == JobStatus.FAILED
    assert child.result == 7


def test_allow_failure_on_an_already_failed_dependency(q):
    bad = q.enqueue(jobs.fail)
    burst(q)
    child = q.enqueue(jobs.add, 3, 4, depends_on=Dependency(jobs=[bad], allow_failure=True))
    assert child.get_status() == JobStatus.QUEUED
    strict = q.enqueue(jobs.add, 3, 4, depends_on=bad)
    assert strict.get_status() == JobStatus.DEFERRED


def test_dependency_enqueue_at_front(q, connection):
    parent = q.enqueue(jobs.record, "order", "parent")
    q.enqueue(jobs.record, "order", "child",
              depends_on=Dependency(jobs=[parent], enqueue_at_front=True))
    q.enqueue(jobs.record, "order", "later")
    burst(q)
    assert connection.lrange("order", 0, -1) == [b"parent", b"child", b"later"]


def test_a_chain_of_dependencies_runs_in_order(q, connection):
    previous = None
    for step in range(4):
        previous = q.enqueue(jobs.record, "order", str(step), depends_on=previous)
    burst(q)
    assert connection.lrange("order", 0, -1) == [b"0", b"1", b"2", b"3"]


def test_dependencies_run_synchronously_too(connection):
    q = Queue(connection=connection, is_async=False)
    parent = q.enqueue(jobs.add, 1, 2)
    child = q.enqueue(jobs.add, 3, 4, depends_on=parent)
    assert (parent.result, child.result) == (3, 7)


def test_a_canceled_deferred_job_is_not_released(q):
    parent = q.enqueue(jobs.add, 1, 2)
    child = q.enqueue(jobs.add, 3, 4, depends_on=parent)
    child.cancel()
    assert DeferredJobRegistry(queue=q).get_job_ids() == []
    burst(q)
    assert child.get_status() == JobStatus.CANCELED
    assert child.result is None


def test_deleting_a_deferred_job_removes_it_from_its_dependency(q):
    parent = q.enqueue(jobs.add, 1, 2)
    child = q.enqueue(jobs.add, 3, 4, depends_on=parent)
    child.delete()
    assert parent.dependent_ids == []
    assert DeferredJobRegistry(queue=q).get_job_ids() == []
    burst(q)
    assert parent.result == 3
