"""Registries: per-queue sets of started, finished, failed, deferred, scheduled, canceled jobs."""

from __future__ import annotations

import pytest

from jobctl import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    InvalidJobOperation,
    JobStatus,
    Queue,
    Retry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from tests import jobs
from tests.fixtures_engine import burst, snapshot


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


def test_finished_registry(q):
    done = [q.enqueue(jobs.add, i, i) for i in range(3)]
    burst(q)
    registry = FinishedJobRegistry(queue=q)
    assert registry.count == len(registry) == 3
    assert sorted(registry.get_job_ids()) == sorted(j.id for j in done)
    assert sorted(j.id for j in registry.get_jobs()) == sorted(j.id for j in done)
    assert done[0] in registry
    assert q.finished_job_registry.count == 3


def test_registries_are_per_queue(q, connection):
    other = Queue("other", connection=connection)
    q.enqueue(jobs.add, 1, 2)
    other.enqueue(jobs.fail)
    burst(q, other)
    assert FinishedJobRegistry("default", connection=connection).count == 1
    assert FinishedJobRegistry("other", connection=connection).count == 0
    assert FailedJobRegistry("other", connection=connection).count == 1
    assert FailedJobRegistry("default", connection=connection).count == 0


def test_failed_registry_get_job_ids_count_and_requeue(q, connection):
    failing = [q.enqueue(jobs.fail_unless_flag, "flag-missing") for _ in range(2)]
    burst(q)
    registry = FailedJobRegistry(queue=q)
    assert registry.count == 2
    assert sorted(registry.get_job_ids()) == sorted(j.id for j in failing)
    connection.set("flag-missing", "1")
    requeued = registry.requeue(failing[0])
    assert requeued.get_status() == JobStatus.QUEUED
    registry.requeue(failing[1].id, at_front=True)
    assert q.job_ids == [failing[1].id, failing[0].id]
    assert registry.count == 0
    burst(q)
    assert [j.result for j in failing] == ["fixed", "fixed"]


def test_requeue_of_a_job_not_in_the_registry_raises_and_changes_nothing(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    before = snapshot(connection)
    with pytest.raises(InvalidJobOperation, match="not in the failed registry"):
        FailedJobRegistry(queue=q).requeue(job.id)
    assert snapshot(connection) == before


def test_started_registry_holds_running_jobs_only(q):
    job = q.enqueue(jobs.started_ids, "default")
    assert StartedJobRegistry(queue=q).count == 0
    burst(q)
    assert job.result == [job.id]
    assert StartedJobRegistry(queue=q).count == 0


def test_deferred_registry(q):
    parent = q.enqueue(jobs.add, 1, 2)
    children = [q.enqueue(jobs.add, i, 1, depends_on=parent) for i in range(2)]
    registry = DeferredJobRegistry(queue=q)
    assert registry.count == 2
    assert registry.get_job_ids() == [c.id for c in children]
    burst(q)
    assert registry.count == 0


def test_canceled_registry(q):
    job = q.enqueue(jobs.add, 1, 2)
    job.cancel()
    registry = CanceledJobRegistry(queue=q)
    assert registry.get_job_ids() == [job.id]
    assert registry.count == 1
    registry.requeue(job)
    assert registry.count == 0
    assert q.job_ids == [job.id]


def test_scheduled_registry_holds_retries_with_an_interval(q):
    job = q.enqueue(jobs.count_and_fail, "n", retry=Retry(max=2, interval=[60, 120]))
    burst(q)
    registry = ScheduledJobRegistry(queue=q)
    assert registry.get_job_ids() == [job.id]
    assert q.scheduled_job_registry.count == 1


def test_remove_with_and_without_deleting_the_job(q, connection):
    kept, deleted = q.enqueue(jobs.fail), q.enqueue(jobs.fail)
    burst(q)
    registry = FailedJobRegistry(queue=q)
    registry.remove(kept)
    registry.remove(deleted.id, delete_job=True)
    assert registry.count == 0
    assert connection.exists(kept.key)
    assert not connection.exists(deleted.key)


def test_expired_entries_are_not_listed_and_cleanup_removes_them(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    burst(q)
    registry = FinishedJobRegistry(queue=q)
    connection.zadd(registry.key, {job.id: 1.0})  # expired long ago
    assert registry.count == 0
    assert registry.get_job_ids() == []
    assert job.id not in registry
    assert connection.zcard(registry.key) == 1  # reading did not write
    assert registry.cleanup() == 1
    assert connection.zcard(registry.key) == 0


def test_get_job_ids_windows_and_order(q):
    done = [q.enqueue(jobs.add, i, 0, result_ttl=100 + i) for i in range(4)]
    burst(q)
    registry = FinishedJobRegistry(queue=q)
    ids = [j.id for j in done]
    assert registry.get_job_ids() == ids
    assert registry.get_job_ids(1, 2) == ids[1:3]
    assert registry.get_job_ids(desc=True) == ids[::-1]
