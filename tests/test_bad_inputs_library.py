"""design/bad-inputs.md, library side: every bad input gets a clear error and writes nothing.

Each test starts from an empty (or snapshotted) Redis and checks it afterwards. Row 9 (URLs) is
covered in tests/test_connection.py; rows 3, 5 and 23 (worker side) in
tests/test_bad_inputs_worker.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
import redis

from jobctl import (
    Callback,
    Dependency,
    DependencyNotFoundError,
    InvalidCallableError,
    JobExistsError,
    JobStatus,
    PayloadTooLargeError,
    Queue,
    SerializationError,
    Worker,
    job,
)
from jobctl.exceptions import (
    InvalidDependencyError,
    InvalidDurationError,
    InvalidJobIdError,
    InvalidQueueNameError,
)
from tests import jobs
from tests.fixtures_engine import burst, snapshot


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


@pytest.fixture
def unchanged(connection):
    """Asserts at the end of the test that Redis holds exactly what it held at the start."""
    Queue(connection=connection).enqueue(jobs.add, 1, 2, job_id="existing")
    before = snapshot(connection)
    yield
    assert snapshot(connection) == before


# -- row 1: callable path syntax, checked before connecting to Redis -----------------------


@pytest.mark.parametrize("path", ["not a path!", "mod.", ".fn", "mod..fn", "fn", "", "a.b-c"])
def test_row1_invalid_callable_path(q, connection, path):
    pattern = r"invalid callable path .*: expected module\.function"
    with pytest.raises(InvalidCallableError, match=pattern):
        q.enqueue(path)
    assert connection.keys("*") == []


def test_row1_checked_before_connecting_to_redis():
    nowhere = redis.Redis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=0.5)
    q = Queue(connection=nowhere)
    with pytest.raises(InvalidCallableError, match="invalid callable path"):
        q.enqueue("mod..fn")


def test_row1_invalid_callback_path(q, connection):
    with pytest.raises(InvalidCallableError, match="invalid callable path"):
        q.enqueue(jobs.add, 1, 2, on_success="not a path")
    with pytest.raises(InvalidCallableError, match="invalid callable path"):
        Callback("mod.")
    assert connection.keys("*") == []


# -- row 2: library side, a string path is checked for syntax only -------------------------


def test_row2_a_missing_module_is_accepted_by_the_library(q):
    job = q.enqueue("mypkg.missing_mod.fn")
    assert job.get_status() == JobStatus.QUEUED  # the worker reports it (row 3)


# -- row 4: a missing attribute or something that is not callable ----------------------------


@pytest.mark.parametrize("thing", [42, None, ["tests.jobs.add"]])
def test_row4_enqueue_of_something_not_callable(q, connection, thing):
    with pytest.raises(InvalidCallableError, match="is not callable"):
        q.enqueue(thing)
    assert connection.keys("*") == []


# -- row 6: __main__ functions, lambdas, nested functions -------------------------------------


def _main_function():
    return None


_main_function.__module__ = "__main__"


def test_row6_function_from_main(q, connection):
    with pytest.raises(ValueError, match="from __main__: workers import jobs by module path"):
        q.enqueue(_main_function)
    assert connection.keys("*") == []


def test_row6_lambda(q, connection):
    with pytest.raises(ValueError, match="cannot enqueue a lambda: workers import jobs by name"):
        q.enqueue(lambda: None)
    assert connection.keys("*") == []


def test_row6_nested_function(q, connection):
    def nested():
        return None

    pattern = r"cannot enqueue nested function .*nested.*workers cannot import it"
    with pytest.raises(ValueError, match=pattern):
        q.enqueue(nested)
    assert connection.keys("*") == []


def test_row6_bound_method_of_an_instance(q, connection):
    with pytest.raises(ValueError, match="bound method"):
        q.enqueue(jobs.Point(1, 2).__eq__, 1)
    assert connection.keys("*") == []


def test_row6_main_function_with_the_decorator(connection):
    decorated = job("low", connection=connection)(_main_function)
    with pytest.raises(ValueError, match="__main__"):
        decorated.delay()
    assert connection.keys("*") == []


# -- row 7: arguments that cannot be serialized -----------------------------------------------


def _generator():
    yield 1


@pytest.mark.parametrize(
    ("make", "label"),
    [(threading.Lock, "lock"), (socket.socket, "socket"), (_generator, "generator")],
    ids=["lock", "socket", "generator"],
)
def test_row7_unpicklable_argument_is_named(q, connection, make, label):
    value = make()
    try:
        with pytest.raises(SerializationError, match=rf"argument #2 \({label}\) with pickle"):
            q.enqueue(jobs.echo, "fine", value)
        with pytest.raises(SerializationError, match=rf"keyword argument 'bad' \({label}\)"):
            q.enqueue(jobs.echo, bad=value)
    finally:
        if isinstance(value, socket.socket):
            value.close()
    assert connection.keys("*") == []


@pytest.mark.parametrize(
    ("value", "label"),
    [({1, 2}, "set"), (b"bytes", "bytes"), (datetime(2024, 1, 1, tzinfo=UTC), "datetime")],
    ids=["set", "bytes", "datetime"],
)
def test_row7_json_rejects_non_json_arguments(connection, value, label):
    q = Queue(connection=connection, serializer="json")
    with pytest.raises(SerializationError, match=rf"argument #1 \({label}\) with json"):
        q.enqueue(jobs.echo, value)
    with pytest.raises(SerializationError, match=rf"keyword argument 'when' \({label}\) with json"):
        q.enqueue(jobs.echo, 1, when=value)
    assert connection.keys("*") == []


def test_row7_unserializable_meta(q, connection):
    with pytest.raises(SerializationError, match="cannot serialize meta with pickle"):
        q.enqueue(jobs.add, 1, 2, meta={"lock": threading.Lock()})
    assert connection.keys("*") == []


# -- row 15: payload over the limit -------------------------------------------------------------


def test_row15_payload_over_the_default_limit(q, connection):
    with pytest.raises(PayloadTooLargeError, match=r"payload is 2\.0 MiB; limit 1 MiB$"):
        q.enqueue(jobs.echo, "x" * (2 * 1024 * 1024))
    assert connection.keys("*") == []


def test_row15_the_limit_is_configurable(connection):
    q = Queue(connection=connection, max_payload=1000)
    with pytest.raises(PayloadTooLargeError, match=r"limit 1000 B"):
        q.enqueue(jobs.echo, "x" * 2000)
    assert connection.keys("*") == []
    roomy = Queue(connection=connection, max_payload=4 * 1024 * 1024)
    assert roomy.enqueue(jobs.echo, "x" * (2 * 1024 * 1024)).get_status() == JobStatus.QUEUED


def test_row15_meta_counts_towards_the_limit(connection):
    q = Queue(connection=connection, max_payload=1000)
    with pytest.raises(PayloadTooLargeError):
        q.enqueue(jobs.add, 1, 2, meta={"blob": "x" * 2000})
    assert connection.keys("*") == []


# -- row 16: an id that already exists -----------------------------------------------------------


def test_row16_job_id_exists(q, connection):
    q.enqueue(jobs.add, 1, 2, job_id="X")
    before = snapshot(connection)
    with pytest.raises(JobExistsError, match=r"job 'X' already exists \(status queued\)"):
        q.enqueue(jobs.add, 3, 4, job_id="X")
    with pytest.raises(JobExistsError, match=r"job 'X' already exists"):
        Queue("other", connection=connection).enqueue(jobs.add, 3, 4, job_id="X")
    assert snapshot(connection) == before
    burst(q)
    with pytest.raises(JobExistsError, match=r"\(status finished\)"):
        q.enqueue(jobs.add, 3, 4, job_id="X")


def test_row16_fifty_concurrent_enqueues_of_one_id(q, connection):
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def enqueue(n: int) -> None:
        start.wait()
        try:
            q.enqueue(jobs.add, n, 0, job_id="only-once")
            outcome = f"ok:{n}"
        except JobExistsError:
            outcome = "exists"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=enqueue, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [o for o in outcomes if o.startswith("ok")]
    assert len(outcomes) == 50
    assert len(winners) == 1
    assert outcomes.count("exists") == 49
    assert q.job_ids == ["only-once"]
    burst(q)
    assert q.fetch_job("only-once").result == int(winners[0].split(":")[1])


# -- row 17: job ids outside [A-Za-z0-9_-]{1,128} -----------------------------------------------


@pytest.mark.parametrize("job_id", ["a:b", "{x}", "with space", "", "x" * 300, "é", "a\nb"])
def test_row17_invalid_job_id(q, connection, job_id):
    with pytest.raises(InvalidJobIdError, match=r"job id must match \[A-Za-z0-9_-\]\{1,128\}"):
        q.enqueue(jobs.add, 1, 2, job_id=job_id)
    assert connection.keys("*") == []


def test_row17_invalid_dependency_id(q, connection):
    with pytest.raises(InvalidJobIdError, match="job id must match"):
        q.enqueue(jobs.add, 1, 2, depends_on="a:b")
    assert connection.keys("*") == []


def test_row17_the_longest_valid_id(q):
    assert q.enqueue(jobs.add, 1, 2, job_id="x" * 128).id == "x" * 128


# -- row 18: a dependency that never existed ---------------------------------------------------


def test_row18_missing_dependency(q, connection, unchanged):
    with pytest.raises(DependencyNotFoundError, match="dependency 'Y' does not exist"):
        q.enqueue(jobs.add, 1, 2, depends_on="Y")
    with pytest.raises(DependencyNotFoundError, match="dependency 'Y' does not exist"):
        q.enqueue(jobs.add, 1, 2, depends_on=["existing", "Y"], job_id="partial")
    with pytest.raises(LookupError):  # RQ-style callers catching LookupError still work
        q.enqueue(jobs.add, 1, 2, depends_on=Dependency(jobs=["Y"], allow_failure=True))


# -- row 19: a job depending on itself ---------------------------------------------------------


def test_row19_self_dependency(q, connection, unchanged):
    with pytest.raises(InvalidDependencyError, match="a job cannot depend on itself"):
        q.enqueue(jobs.add, 1, 2, job_id="me", depends_on="me")
    with pytest.raises(InvalidDependencyError, match="a job cannot depend on itself"):
        q.enqueue(jobs.add, 1, 2, job_id="me", depends_on=["existing", "me"])


# -- row 20: queue names ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "a{b}", "a:b", "with space", "x" * 129, "tab\t"])
def test_row20_invalid_queue_name(connection, name):
    pattern = r"queue name must match \[A-Za-z0-9_.-\]\{1,128\}"
    with pytest.raises(InvalidQueueNameError, match=pattern):
        Queue(name, connection=connection)
    with pytest.raises(InvalidQueueNameError, match=pattern):
        Worker([name], connection=connection)
    assert connection.keys("*") == []


def test_row20_the_longest_valid_name(connection):
    q = Queue("q." * 64, connection=connection)
    assert q.enqueue(jobs.add, 1, 2).origin == "q." * 64


# -- row 21: timeouts and TTLs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [("job_timeout", -5), ("job_timeout", 0), ("job_timeout", "10x"), ("job_timeout", "-5"),
     ("job_timeout", True), ("result_ttl", "abc"), ("result_ttl", -2), ("failure_ttl", "1 week"),
     ("ttl", 0), ("ttl", "soon")],
)
def test_row21_invalid_durations(q, connection, option, value):
    with pytest.raises(InvalidDurationError, match=rf"invalid {option} .*30s, 5m, 2h"):
        q.enqueue(jobs.add, 1, 2, **{option: value})
    assert connection.keys("*") == []


def test_row21_minus_one_is_accepted_where_it_means_no_limit(q):
    job = q.enqueue(jobs.add, 1, 2, job_timeout=-1, result_ttl=-1, failure_ttl=-1, ttl=-1)
    assert (job.timeout, job.result_ttl, job.failure_ttl, job.ttl) == (-1, -1, -1, None)


def test_row21_invalid_queue_default_timeout(connection):
    with pytest.raises(InvalidDurationError, match="default_timeout"):
        Queue(connection=connection, default_timeout="forever")
    assert connection.keys("*") == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_MAIN_SCRIPT = """
import sys
import redis
from jobctl import Queue

def count_words_at_url(url):
    return 0

try:
    Queue(connection=redis.Redis.from_url(sys.argv[1])).enqueue(count_words_at_url, "x")
except ValueError as exc:
    print(exc)
    sys.exit(7)
"""


def test_row6_seed16_a_scripts_own_function_is_refused_at_enqueue(connection, redis_url):
    """A function defined in the script being run lives in __main__: no worker can import it."""
    done = subprocess.run([sys.executable, "-c", _MAIN_SCRIPT, redis_url], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 7, done.stderr
    assert "cannot enqueue 'count_words_at_url' from __main__" in done.stdout
    assert "move the function into an importable module" in done.stdout
    assert connection.keys("*") == []
