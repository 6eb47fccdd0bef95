"""Queues: enqueueing (seed 1-4, 7, 9) and working with queues (seed 5-6)."""

from __future__ import annotations

import pickle

import pytest

from jobctl import Job, JobStatus, Queue
from tests import jobs
from tests.fixtures_engine import KEYS, burst, run_worker_process

# -- seed 1 and 9: enqueue returns a Job at once; result is None until a worker ran it -------


def test_enqueue_returns_a_job_whose_result_appears_after_the_worker(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.add, 1, 2)
    assert isinstance(job, Job)
    assert job.get_status() == JobStatus.QUEUED
    assert job.result is None
    burst(q)
    assert job.get_status() == JobStatus.FINISHED
    assert job.result == 3


def test_result_is_none_when_the_function_returned_nothing(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.return_none)
    burst(q)
    assert job.get_status() == JobStatus.FINISHED
    assert job.result is None


def test_static_and_class_methods_and_builtins_are_importable_functions(connection):
    q = Queue(connection=connection)
    double = q.enqueue(jobs.Calculator.double, 4)
    triple = q.enqueue(jobs.Calculator.triple, 4)
    length = q.enqueue(len, [1, 2, 3])
    burst(q)
    assert (double.result, triple.result, length.result) == (8, 12, 3)


# -- seed 2 and 7: default queue, named queues, created on first use ------------------------


def test_default_queue_is_named_default(connection):
    q = Queue(connection=connection)
    assert q.name == "default"
    job = q.enqueue(jobs.add, 1, 1)
    assert job.origin == "default"
    assert connection.lrange(KEYS.queue("default"), 0, -1) == [job.id.encode()]


def test_a_named_queue_needs_no_declaration(connection):
    assert Queue.all(connection=connection) == []
    low = Queue("low", connection=connection)
    assert Queue.all(connection=connection) == []  # creating the object writes nothing
    job = low.enqueue(jobs.add, 2, 3)
    assert [q.name for q in Queue.all(connection=connection)] == ["low"]
    assert job.origin == "low"
    assert low.job_ids == [job.id]
    burst(low)
    assert job.result == 5


def test_queue_all_lists_every_used_queue_sorted(connection):
    for name in ("zeta", "alpha", "default"):
        Queue(name, connection=connection).enqueue(jobs.add, 1, 2)
    assert [q.name for q in Queue.all(connection=connection)] == ["alpha", "default", "zeta"]


# -- seed 3: the enqueue options ------------------------------------------------------------


def test_job_id_sets_the_id_by_hand(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.add, 1, 2, job_id="my-id_1")
    assert job.id == "my-id_1"
    assert Job.fetch("my-id_1", connection=connection).func_name == "tests.jobs.add"


def test_at_front_puts_the_job_first(connection):
    q = Queue(connection=connection)
    first = q.enqueue(jobs.record, "order", "first")
    second = q.enqueue(jobs.record, "order", "second")
    urgent = q.enqueue(jobs.record, "order", "urgent", at_front=True)
    assert q.job_ids == [urgent.id, first.id, second.id]
    burst(q)
    assert connection.lrange("order", 0, -1) == [b"urgent", b"first", b"second"]


def test_description_is_stored(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.add, 1, 2, description="adds one and two")
    assert job.description == "adds one and two"
    assert Job.fetch(job.id, connection=connection).description == "adds one and two"
    plain = q.enqueue(jobs.add, 1, 2)
    assert plain.description == "tests.jobs.add(1, 2)"


def test_explicit_args_and_kwargs_separate_function_arguments_from_options(connection):
    """The seed's example: ttl=30 goes to the queue, description and ttl=15 to the function."""
    q = Queue(connection=connection)
    job = q.enqueue(
        jobs.echo,
        ttl=30,
        args=("http://nvie.com",),
        kwargs={"description": "Function description", "ttl": 15},
    )
    assert job.ttl == 30
    assert 0 < connection.ttl(job.key) <= 30
    assert job.description == job.get_call_string()  # no job description was given
    assert job.args == ("http://nvie.com",)
    assert job.kwargs == {"description": "Function description", "ttl": 15}
    burst(q)
    assert job.result == {
        "args": ["http://nvie.com"],
        "kwargs": {"description": "Function description", "ttl": 15},
    }


def test_options_are_not_passed_to_the_function(connection):
    q = Queue(connection=connection)
    job = q.enqueue(
        jobs.echo, 1, key="value", job_timeout=30, result_ttl=60, failure_ttl=70,
        description="d", at_front=True,
    )
    burst(q)
    assert job.result == {"args": [1], "kwargs": {"key": "value"}}
    assert job.timeout == 30
    assert job.result_ttl == 60
    assert job.failure_ttl == 70


# -- seed 4: string references ---------------------------------------------------------------


def test_a_function_may_be_given_as_a_dotted_string(connection):
    q = Queue(connection=connection)
    job = q.enqueue("tests.jobs.add", 20, 22)
    assert job.func_name == "tests.jobs.add"
    burst(q)
    assert job.result == 42


def test_a_string_reference_is_not_imported_at_enqueue(connection):
    """The enqueuing process may not have the worker's code: only the syntax is checked."""
    q = Queue(connection=connection)
    job = q.enqueue("worker_only_package.module.func", 1)
    assert job.get_status() == JobStatus.QUEUED
    assert job.func_name == "worker_only_package.module.func"


def test_a_string_reference_may_name_a_class_attribute(connection):
    q = Queue(connection=connection)
    job = q.enqueue("tests.jobs.Calculator.double", 21)
    burst(q)
    assert job.result == 42


# -- seed 5: len, job_ids, jobs, fetch_job -------------------------------------------------


def test_len_job_ids_and_jobs(connection):
    q = Queue(connection=connection)
    assert len(q) == 0
    assert q.job_ids == []
    assert q.jobs == []
    queued = [q.enqueue(jobs.add, i, i) for i in range(3)]
    assert len(q) == 3
    assert q.job_ids == [j.id for j in queued]
    assert q.jobs == queued
    assert [j.args for j in q.jobs] == [(0, 0), (1, 1), (2, 2)]
    burst(q)
    assert len(q) == 0


def test_fetch_job_by_id(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.add, 1, 2, job_id="my_id")
    fetched = q.fetch_job("my_id")
    assert fetched is not None
    assert fetched.id == "my_id"
    assert fetched.args == (1, 2)
    assert q.fetch_job("nope") is None
    assert Queue("other", connection=connection).fetch_job(job.id) is None


# -- seed 6: empty, delete and re-creation ---------------------------------------------------


def test_empty_removes_the_queued_jobs_and_their_data(connection):
    q = Queue(connection=connection)
    queued = [q.enqueue(jobs.add, i, i) for i in range(3)]
    other = Queue("other", connection=connection).enqueue(jobs.add, 1, 1)
    assert q.empty() == 3
    assert len(q) == 0
    for job in queued:
        assert not connection.exists(job.key)
    assert connection.exists(other.key)


def test_empty_handles_more_jobs_than_one_batch(connection):
    q = Queue(connection=connection)
    for i in range(1201):
        q.enqueue(jobs.add, i, i)
    assert q.empty() == 1201
    assert len(q) == 0
    assert connection.keys(KEYS.job("*")) == []


def test_delete_with_jobs_and_recreate(connection):
    q = Queue("low", connection=connection)
    queued = [q.enqueue(jobs.add, i, i) for i in range(2)]
    q.delete(delete_jobs=True)
    assert len(q) == 0
    assert Queue.all(connection=connection) == []
    assert not any(connection.exists(j.key) for j in queued)
    assert not connection.exists(q.key)
    again = q.enqueue(jobs.add, 3, 4)
    assert [x.name for x in Queue.all(connection=connection)] == ["low"]
    assert q.job_ids == [again.id]
    burst(q)
    assert again.result == 7


def test_delete_without_jobs_keeps_the_job_hashes(connection):
    q = Queue("low", connection=connection)
    job = q.enqueue(jobs.add, 1, 2)
    q.delete(delete_jobs=False)
    assert len(q) == 0
    assert Queue.all(connection=connection) == []
    assert connection.exists(job.key)


# -- seed 8: pickle by default ----------------------------------------------------------------


def test_arguments_are_pickled_by_default(connection):
    q = Queue(connection=connection)
    point = jobs.Point(1, 2)
    job = q.enqueue(jobs.mirror, point)
    raw = connection.hget(job.key, "data")
    assert pickle.loads(raw) == ((point,), {})
    assert connection.hget(job.key, "ser") is None  # pickle is implied
    burst(q)
    assert job.result == point


# -- seed 17 and 18: the worker imports the code by name; values are copied at enqueue -------


def test_only_the_functions_name_is_stored_not_its_code(connection):
    """The worker imports the function by path, so both sides must run the same source."""
    q = Queue(connection=connection)
    job = q.enqueue(jobs.add, 1, 2)
    fields = connection.hgetall(job.key)
    assert fields[b"func"] == b"tests.jobs.add"
    assert b"def add" not in b"".join(fields.values())


def test_arguments_are_concrete_values_copied_at_enqueue(connection):
    """Jobs must not depend on context: what they get is a copy taken when enqueued."""
    q = Queue(connection=connection)
    items = ["a"]
    job = q.enqueue(jobs.mirror, items)
    items.append("changed after enqueue")
    burst(q)
    assert job.result == ["a"]


def test_a_job_does_not_see_the_enqueuers_global_context(connection, redis_url):
    """A worker in another process has its own globals: pass the 'current user' explicitly."""
    q = Queue(connection=connection)
    jobs.GLOBAL_CONTEXT["user"] = "alice"
    try:
        job = q.enqueue(jobs.read_global)
    finally:
        jobs.GLOBAL_CONTEXT["user"] = "nobody"
    explicit = q.enqueue(jobs.mirror, "alice")
    run_worker_process(redis_url, ["default"])
    assert job.result == "nobody"
    assert explicit.result == "alice"


def test_enqueue_call_explicit_form(connection):
    q = Queue(connection=connection)
    job = q.enqueue_call(jobs.echo, args=(1,), kwargs={"ttl": 15}, timeout="1m", ttl=30,
                         description="explicit")
    assert (job.timeout, job.ttl, job.description) == (60, 30, "explicit")
    burst(q)
    assert job.result == {"args": [1], "kwargs": {"ttl": 15}}


def test_enqueue_call_rejects_unknown_options(connection):
    q = Queue(connection=connection)
    with pytest.raises(TypeError, match="unknown enqueue option"):
        q.enqueue_call(jobs.add, args=(1, 2), colour="red")
    assert connection.keys("*") == []
