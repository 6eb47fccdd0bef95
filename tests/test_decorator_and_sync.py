"""The @job decorator (seed 10) and synchronous queues that bypass workers (seed 11)."""

from __future__ import annotations

import os

import pytest

from jobctl import Job, JobStatus, Queue, job
from tests import jobs
from tests.fixtures_engine import KEYS, burst


@pytest.fixture
def delayed_add(connection):
    """``@job('low', connection=my_redis_conn, timeout=5)`` on a module-level function."""
    decorated = job("low", connection=connection, timeout=5)(jobs.delayed_add)
    yield decorated
    del jobs.delayed_add.delay, jobs.delayed_add.enqueue


# -- seed 10 -------------------------------------------------------------------------------------


def test_delay_enqueues_and_the_result_arrives(delayed_add, connection):
    added = delayed_add.delay(3, 4)
    assert isinstance(added, Job)
    assert added.origin == "low"
    assert added.timeout == 5
    assert added.result is None
    burst(Queue("low", connection=connection))
    assert added.result == 7


def test_the_decorated_function_still_runs_directly(delayed_add):
    assert delayed_add(3, 4) == 7
    assert delayed_add is jobs.delayed_add


def test_decorator_options_become_enqueue_defaults(connection):
    decorated = job("default", connection=connection, result_ttl=60, description="adder")(
        jobs.delayed_add
    )
    try:
        added = decorated.delay(1, 1)
    finally:
        del jobs.delayed_add.delay, jobs.delayed_add.enqueue
    assert added.result_ttl == 60
    assert added.description == "adder"
    assert added.args == (1, 1)


def test_decorator_rejects_unknown_options(connection):
    with pytest.raises(TypeError, match="unknown @job option"):
        job("low", connection=connection, colour="red")


def test_decorator_with_the_default_connection(monkeypatch, redis_url, connection):
    monkeypatch.setenv("JOBCTL_REDIS_URL", redis_url)
    decorated = job("low", timeout="1m")(jobs.delayed_add)
    try:
        added = decorated.delay(20, 22)
    finally:
        del jobs.delayed_add.delay, jobs.delayed_add.enqueue
    burst(Queue("low", connection=connection))
    assert Job.fetch(added.id, connection=connection).result == 42


# -- seed 11 -----------------------------------------------------------------------------------


def test_is_async_false_runs_at_enqueue_and_records_in_redis(connection):
    q = Queue("low", is_async=False, connection=connection)
    fib = q.enqueue(jobs.fib, 8)
    assert fib.result == 21
    assert fib.get_status() == JobStatus.FINISHED
    stored = Job.fetch(fib.id, connection=connection)
    assert stored.result == 21
    assert stored.started_at is not None and stored.ended_at is not None
    assert len(q) == 0
    assert q.finished_job_registry.get_job_ids() == [fib.id]
    assert connection.zcard(KEYS.registry("started", "low")) == 0


def test_is_async_false_records_a_failure(connection):
    q = Queue(is_async=False, connection=connection)
    failed = q.enqueue(jobs.fail, "sync failure")
    assert failed.get_status() == JobStatus.FAILED
    assert "ValueError: sync failure" in failed.exc_info
    assert q.failed_job_registry.get_job_ids() == [failed.id]


def test_is_async_false_runs_in_this_process_with_current_job(connection):
    q = Queue(is_async=False, connection=connection)
    assert q.enqueue(jobs.pid).result == os.getpid()
    current = q.enqueue(jobs.current_job_id)
    assert current.result == current.id
