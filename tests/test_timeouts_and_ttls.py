"""job_timeout, result_ttl, ttl and failure_ttl (seed 3): parsing, and what the worker does."""

from __future__ import annotations

import pytest

from jobctl import (
    FailedJobRegistry,
    FinishedJobRegistry,
    Job,
    JobStatus,
    Queue,
    StartedJobRegistry,
)
from jobctl.defaults import FAILURE_TTL, RESULT_TTL
from tests import jobs
from tests.fixtures_engine import burst, wait_until


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


# -- job_timeout --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "seconds"),
    [(2, 2), ("2", 2), ("1h", 3600), ("3m", 180), ("5s", 5), ("1d", 86400), (-1, -1)],
)
def test_job_timeout_formats(q, connection, given, seconds):
    job = q.enqueue(jobs.add, 1, 2, job_timeout=given)
    assert job.timeout == seconds
    assert Job.fetch(job.id, connection=connection).timeout == seconds


def test_queue_default_timeout_applies_unless_overridden(connection):
    q = Queue(connection=connection, default_timeout="10m")
    assert q.enqueue(jobs.add, 1, 2).timeout == 600
    assert q.enqueue(jobs.add, 1, 2, job_timeout=7).timeout == 7


def test_a_job_over_its_timeout_fails_with_job_timeout_exception(q):
    job = q.enqueue(jobs.sleep_for, 5, job_timeout=1)
    after = q.enqueue(jobs.add, 1, 2)
    burst(q)
    assert job.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in job.exc_info
    assert "timeout of 1 seconds" in job.exc_info
    assert after.result == 3  # the worker went on


def test_the_soft_timeout_works_in_process_too(q):
    job = q.enqueue(jobs.sleep_for, 5, job_timeout="1")
    burst(q, simple=True)
    assert job.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in job.exc_info


def test_a_job_that_blocks_sigalrm_is_killed_by_the_hard_limit(q, connection):
    job = q.enqueue(jobs.block_sigalrm, 8, job_timeout=1)
    after = q.enqueue(jobs.add, 1, 2)
    burst(q, hard_kill_grace=1)
    assert job.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in job.exc_info
    assert "killed after 2 seconds" in job.exc_info
    assert job.id in FailedJobRegistry(queue=q)
    assert StartedJobRegistry(queue=q).get_job_ids() == []
    assert after.result == 3


# -- result_ttl ----------------------------------------------------------------------------------


def test_result_ttl_default_is_500_seconds(q, connection):
    job = q.enqueue(jobs.add, 1, 2)
    assert connection.ttl(job.key) == -1  # a queued job waits forever by default
    burst(q)
    assert job.result_ttl == RESULT_TTL == 500
    assert 490 <= connection.ttl(job.key) <= 500
    registry = FinishedJobRegistry(queue=q)
    assert job.id in registry
    expiry = registry.get_expiration_time(job)
    job.refresh()
    assert expiry == pytest.approx(job.ended_at.timestamp() + 500, abs=1)


def test_result_ttl_zero_deletes_the_job_when_it_finishes(q, connection):
    job = q.enqueue(jobs.add, 1, 2, result_ttl=0)
    burst(q)
    assert not connection.exists(job.key)
    assert job.get_status() is None
    assert FinishedJobRegistry(queue=q).get_job_ids() == []


def test_result_ttl_minus_one_keeps_the_result_forever(q, connection):
    job = q.enqueue(jobs.add, 1, 2, result_ttl=-1)
    burst(q)
    assert connection.ttl(job.key) == -1
    assert job.result == 3
    assert job.id in FinishedJobRegistry(queue=q)


def test_result_ttl_with_a_unit(q, connection):
    job = q.enqueue(jobs.add, 1, 2, result_ttl="2m")
    burst(q)
    assert 110 <= connection.ttl(job.key) <= 120


# -- ttl -------------------------------------------------------------------------------------


def test_ttl_puts_an_expiry_on_a_queued_job(q, connection):
    job = q.enqueue(jobs.add, 1, 2, ttl=100)
    assert 90 <= connection.ttl(job.key) <= 100
    assert job.ttl == 100


def test_a_started_job_no_longer_expires_under_its_ttl(q, connection):
    job = q.enqueue(jobs.add, 1, 2, ttl=100, result_ttl=-1)
    burst(q)
    assert job.result == 3
    assert connection.ttl(job.key) == -1


def test_a_job_whose_hash_expired_while_queued_is_skipped(q, connection):
    expired = q.enqueue(jobs.record, "ran", "expired", ttl=100)
    fresh = q.enqueue(jobs.record, "ran", "fresh")
    connection.pexpire(expired.key, 1)
    wait_until(lambda: not connection.exists(expired.key), 5, "the job hash to expire")
    assert q.job_ids == [expired.id, fresh.id]  # the id is still queued
    worker = burst(q)
    assert connection.lrange("ran", 0, -1) == [b"fresh"]
    assert (worker.successful_job_count, worker.failed_job_count) == (1, 0)
    assert len(q) == 0
    assert StartedJobRegistry(queue=q).get_job_ids() == []
    assert not connection.exists(expired.key)


# -- failure_ttl ------------------------------------------------------------------------------


def test_failure_ttl_default_is_one_year(q, connection):
    job = q.enqueue(jobs.fail)
    burst(q)
    assert job.failure_ttl == FAILURE_TTL == 365 * 24 * 3600
    assert FAILURE_TTL - 10 <= connection.ttl(job.key) <= FAILURE_TTL


def test_failure_ttl_given(q, connection):
    job = q.enqueue(jobs.fail, failure_ttl="1h")
    burst(q)
    assert 3590 <= connection.ttl(job.key) <= 3600
    assert job.id in FailedJobRegistry(queue=q)
