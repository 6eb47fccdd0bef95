"""Queue.enqueue_many: one script call per batch writes each job as its own enqueue would."""

from __future__ import annotations

import threading

import pytest

from jobctl import (
    DeferredJobRegistry,
    DependencyNotFoundError,
    JobExistsError,
    JobStatus,
    Queue,
    SerializationError,
)
from jobctl import enqueuing as enqueuing_module
from jobctl.execution import load_call
from jobctl.job import Job
from jobctl.serializers import SECRET_KEY_ENV
from tests import jobs
from tests.fixtures_engine import KEYS, burst, snapshot

data = Queue.prepare_data


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


def _evalsha_calls(connection) -> int:
    return int(connection.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def test_jobs_are_queued_in_order_and_run(q, connection):
    created = q.enqueue_many([data(jobs.add, args=(i, i)) for i in range(5)])
    assert q.job_ids == [job.id for job in created]
    assert [job.get_status(refresh=False) for job in created] == [JobStatus.QUEUED] * 5
    assert connection.smembers(KEYS.queues) == {b"default"}
    burst(q)
    assert [job.result for job in created] == [0, 2, 4, 6, 8]


def test_an_empty_batch_writes_nothing(q, connection):
    assert q.enqueue_many([]) == []
    assert connection.keys("*") == []


def test_a_batch_larger_than_one_script_call_keeps_its_order(q):
    created = q.enqueue_many([data(jobs.add, args=(i, 1)) for i in range(2500)])
    assert q.job_ids == [job.id for job in created]
    assert len(set(q.job_ids)) == 2500


def test_batches_are_also_cut_by_payload_size(q, connection, monkeypatch):
    monkeypatch.setattr(enqueuing_module, "MAX_BATCH_BYTES", 200)
    q.enqueue(jobs.add, 0, 0)  # the script is loaded: every call below is one EVALSHA
    connection.config_resetstat()
    created = q.enqueue_many([data(jobs.echo, args=("x" * 100,)) for _ in range(6)])
    assert _evalsha_calls(connection) == 6
    assert q.job_ids[1:] == [job.id for job in created]


def test_a_repeated_explicit_id_conflicts_with_the_first_and_the_others_are_written(q):
    batch = [data(jobs.add, args=(1, 1), job_id="same"), data(jobs.add, args=(2, 2)),
             data(jobs.add, args=(3, 3), job_id="same"), data(jobs.add, args=(4, 4))]
    with pytest.raises(JobExistsError, match="job 'same' already exists \\(status queued\\)"):
        q.enqueue_many(batch)
    ids = q.job_ids
    assert len(ids) == 3 and ids[0] == "same"
    assert Job.fetch("same", connection=q.connection).args == (1, 1)


def test_an_existing_id_is_left_untouched(q, connection):
    existing = q.enqueue(jobs.add, 1, 2, job_id="taken")
    burst(q)
    before = connection.hgetall(KEYS.job("taken"))
    with pytest.raises(JobExistsError, match="status finished"):
        q.enqueue_many([data(jobs.add, args=(5, 5)), data(jobs.echo, job_id="taken")])
    assert connection.hgetall(KEYS.job("taken")) == before
    assert existing.get_status() == JobStatus.FINISHED
    assert len(q.job_ids) == 1


def test_a_job_may_depend_on_an_earlier_job_of_the_batch(q, connection):
    first, second, third = q.enqueue_many([
        data(jobs.record, args=("order", "first"), job_id="first"),
        data(jobs.record, args=("order", "second"), depends_on="first"),
        data(jobs.record, args=("order", "third")),
    ])
    assert second.get_status(refresh=False) == JobStatus.DEFERRED
    assert q.job_ids == [first.id, third.id]
    assert DeferredJobRegistry(queue=q).get_job_ids() == [second.id]
    burst(q)
    assert connection.lrange("order", 0, -1) == [b"first", b"third", b"second"]


def test_a_missing_dependency_fails_its_job_alone(q):
    with pytest.raises(DependencyNotFoundError, match="dependency 'nope' does not exist"):
        q.enqueue_many([data(jobs.add, args=(1, 1)), data(jobs.add, args=(2, 2), depends_on="nope"),
                        data(jobs.add, args=(3, 3))])
    assert [Job.fetch(i, connection=q.connection).args for i in q.job_ids] == [(1, 1), (3, 3)]


def test_at_front_leaves_the_queue_as_one_enqueue_per_job_would(connection):
    one_by_one, batched = Queue("one", connection=connection), Queue("many", connection=connection)
    fronts = [False, True, False, True, True, False]
    for i, front in enumerate(fronts):
        one_by_one.enqueue(jobs.add, i, 0, at_front=front, job_id=f"a{i}")
    batched.enqueue_many([data(jobs.add, args=(i, 0), at_front=front, job_id=f"b{i}")
                          for i, front in enumerate(fronts)])
    assert [i[1:] for i in batched.job_ids] == [i[1:] for i in one_by_one.job_ids]


def test_ttl_result_ttl_and_description_are_stored_per_job(q, connection):
    short, plain = q.enqueue_many([
        data(jobs.add, args=(1, 1), ttl=100, result_ttl=7, description="short"),
        data(jobs.add, args=(2, 2)),
    ])
    assert 0 < connection.ttl(KEYS.job(short.id)) <= 100
    assert connection.ttl(KEYS.job(plain.id)) == -1
    fetched = Job.fetch(short.id, connection=connection)
    assert (fetched.result_ttl, fetched.description) == (7, "short")


def test_bad_input_anywhere_in_the_batch_writes_nothing(q, connection):
    q.enqueue(jobs.add, 0, 0)
    before = snapshot(connection)
    with pytest.raises(SerializationError):
        q.enqueue_many([data(jobs.add, args=(1, 1)), data(jobs.echo, args=(threading.Lock(),))])
    with pytest.raises(ValueError):
        q.enqueue_many([data(jobs.add, args=(1, 1)), data(jobs.add, job_id="a:b")])
    assert snapshot(connection) == before


def test_jobs_of_a_batch_are_signed_when_a_key_is_set(q, connection, monkeypatch):
    monkeypatch.setenv(SECRET_KEY_ENV, "batch-secret")
    created = q.enqueue_many([data(jobs.add, args=(i, 1)) for i in range(3)])
    for job in created:
        fetched = Job.fetch(job.id, connection=connection)
        assert fetched.field("sig")
        load_call(fetched)  # raises on a missing or wrong signature
    burst(q)
    assert [job.result for job in created] == [1, 2, 3]


def test_jobs_returned_show_what_was_written(q, connection):
    [job] = q.enqueue_many([data(jobs.add, args=(2, 3), description="sum")])
    fetched = Job.fetch(job.id, connection=connection)
    assert (job.func_name, job.args, job.description, job.origin) == (
        fetched.func_name, fetched.args, fetched.description, fetched.origin)
    assert job.get_status(refresh=False) == fetched.get_status() == JobStatus.QUEUED
