"""design/bad-inputs.md, worker side (rows 3, 4, 5, 23): the job fails with a clear reason,
nothing is imported or unpickled that should not be, and the worker keeps running."""

from __future__ import annotations

import sys

import pytest

from jobctl import FailedJobRegistry, Job, JobStatus, Queue, StartedJobRegistry
from jobctl.serializers import SECRET_KEY_ENV
from tests import jobs
from tests.fixtures_engine import burst


@pytest.fixture
def q(connection):
    return Queue(connection=connection)


@pytest.fixture(params=[False, True], ids=["fork", "in-process"])
def simple(request):
    return request.param


def _run_with_a_good_job_after(q, simple=False, **options):
    """Burst a worker and prove it kept going: a good job enqueued last must finish."""
    good = q.enqueue(jobs.add, 20, 22)
    worker = burst(q, simple=simple, **options)
    assert good.get_status() == JobStatus.FINISHED
    assert good.result == 42
    assert StartedJobRegistry(queue=q).get_job_ids() == []
    return worker


def _assert_failed(job, *fragments):
    assert job.get_status() == JobStatus.FAILED
    for fragment in fragments:
        assert fragment in job.exc_info
    assert job.id in FailedJobRegistry(queue=Queue(job.origin, connection=job.connection))


# -- row 3: the job's module cannot be imported --------------------------------------------------


def test_row3_missing_module_fails_the_job_and_the_worker_goes_on(q, simple):
    job = q.enqueue("mypkg.missing_mod.fn")
    worker = _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "InvalidCallableError", "cannot import module 'mypkg.missing_mod'")
    assert (worker.successful_job_count, worker.failed_job_count) == (1, 1)


def test_row3_a_module_that_raises_on_import(q, simple):
    job = q.enqueue("tests.broken_module.fn")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "cannot import module 'tests.broken_module'", "ZeroDivisionError")


def test_row3_import_failure_is_not_retried(q):
    from jobctl import Retry

    job = q.enqueue("mypkg.missing_mod.fn", retry=Retry(max=3))
    _run_with_a_good_job_after(q)
    _assert_failed(job, "cannot import module")


# -- row 4: missing attribute, not callable ------------------------------------------------------


def test_row4_missing_attribute_is_named(q, simple):
    job = q.enqueue("os.nope")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "'os' has no attribute 'nope'")


def test_row4_not_callable(q, simple):
    job = q.enqueue("os.sep")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "'os.sep' is not callable")


# -- row 5: denylisted callables and --allow prefixes --------------------------------------------


@pytest.mark.parametrize("name", ["os.system", "subprocess.run", "builtins.eval", "pickle.loads",
                                  "posix.system", "os:system"])
def test_row5_a_forged_denylisted_job_is_refused(q, connection, tmp_path, simple, name):
    marker = tmp_path / "pwned"
    job = q.enqueue("tests.jobs.add", f"touch {marker}")
    connection.hset(job.key, "func", name)  # forged directly in Redis
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "CallableNotAllowedError", f"callable {name!r} is not allowed")
    assert not marker.exists()


def test_row5_a_denylisted_module_is_never_imported(q):
    if "ctypes.util" in sys.modules:
        pytest.skip("ctypes.util is already imported in this process")
    job = q.enqueue("ctypes.util.find_library", "c")
    _run_with_a_good_job_after(q, simple=True)
    _assert_failed(job, "not allowed")
    assert "ctypes.util" not in sys.modules


def test_row5_outside_the_allowed_prefixes(q, simple):
    outside = q.enqueue("json.dumps", [1])
    inside = q.enqueue(jobs.add, 1, 2)
    _run_with_a_good_job_after(q, simple, allow=["tests.jobs"])
    _assert_failed(outside, "'json.dumps' is not allowed: outside --allow tests.jobs")
    assert inside.result == 3


def test_row5_allow_prefix_matches_whole_module_names(q):
    sneaky = q.enqueue("tests.jobs_evil.fn")
    _run_with_a_good_job_after(q, allow=["tests.jobs"])
    _assert_failed(sneaky, "not allowed")


# -- row 23: undecodable payloads ----------------------------------------------------------------


def test_row23_corrupted_data_field(q, connection, simple):
    job = q.enqueue(jobs.add, 1, 2)
    connection.hset(job.key, "data", b"\x80\x05this is not a pickle")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "cannot decode payload")


def test_row23_corrupted_json_data_field(connection, simple):
    q = Queue(connection=connection, serializer="json")
    job = q.enqueue(jobs.add, 1, 2)
    connection.hset(job.key, "data", b"{not json")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "cannot decode payload")


def test_row23_unknown_serializer(q, connection, simple):
    job = q.enqueue(jobs.add, 1, 2)
    connection.hset(job.key, "ser", "msgpack")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "cannot decode payload", "unknown serializer 'msgpack'")
    fetched = Job.fetch(job.id, connection=connection)  # tools can still look at it
    assert fetched.func_name == "tests.jobs.add"
    assert "undecodable" in fetched.get_call_string()


def test_row23_unsigned_job_when_a_key_is_set(q, monkeypatch, simple):
    unsigned = q.enqueue(jobs.add, 1, 2)
    monkeypatch.setenv(SECRET_KEY_ENV, "worker-secret")
    _run_with_a_good_job_after(q, simple)  # the good job is enqueued signed
    _assert_failed(unsigned, "signature mismatch")


def test_row23_wrong_signature(q, monkeypatch, simple):
    monkeypatch.setenv(SECRET_KEY_ENV, "producer-secret")
    forged = q.enqueue(jobs.add, 1, 2)
    monkeypatch.setenv(SECRET_KEY_ENV, "worker-secret")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(forged, "signature mismatch")


def test_row23_tampered_payload_of_a_signed_job(q, connection, monkeypatch, simple):
    monkeypatch.setenv(SECRET_KEY_ENV, "shared-secret")
    job = q.enqueue(jobs.add, 1, 2)
    connection.hset(job.key, "func", "tests.jobs.fail")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "signature mismatch")


def test_row23_signed_jobs_run(q, monkeypatch):
    monkeypatch.setenv(SECRET_KEY_ENV, "shared-secret")
    job = q.enqueue(jobs.add, 1, 2, on_success=jobs.record_success)
    _run_with_a_good_job_after(q)
    assert job.result == 3


def test_row23_nothing_is_unpickled_before_the_signature_is_checked(q, tmp_path, monkeypatch,
                                                                       simple):
    tripwire = tmp_path / "unpickled"
    unsigned = q.enqueue(jobs.mirror, jobs.Tripwire(str(tripwire)))
    monkeypatch.setenv(SECRET_KEY_ENV, "worker-secret")
    _run_with_a_good_job_after(q, simple)
    _assert_failed(unsigned, "signature mismatch")
    assert not tripwire.exists()


@pytest.mark.parametrize("kind", ["success", "failure", "stopped"])
def test_row5_a_forged_denylisted_callback_is_refused_before_the_job_runs(q, connection, kind):
    job = q.enqueue(jobs.record, "ran", "job")
    connection.hset(job.key, f"cb_{kind}", "os.system|60")
    _run_with_a_good_job_after(q)
    _assert_failed(job, "callable 'os.system' is not allowed")
    assert connection.lrange("ran", 0, -1) == []


def test_row5_callbacks_outside_the_allowed_prefixes_are_refused(q, connection):
    job = q.enqueue(jobs.record, "ran", "job", on_success="json.dumps")
    _run_with_a_good_job_after(q, allow=["tests.jobs"])
    _assert_failed(job, "'json.dumps' is not allowed: outside --allow tests.jobs")
    assert connection.lrange("ran", 0, -1) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("cb_success", "tests.jobs.record_success|abc"), ("cb_failure", "not a path|60"),
     ("timeout", "abc"), ("result_ttl", "1.5.2"), ("failure_ttl", "never"),
     ("retries_left", "x"), ("retry_intervals", "1,a"), ("func", "")],
)
def test_row23_other_corrupted_fields_fail_the_job_not_the_worker(q, connection, simple, field,
                                                                  value):
    job = q.enqueue(jobs.fail, on_success=jobs.record_success, on_failure=jobs.record_failure)
    connection.hset(job.key, field, value)
    _run_with_a_good_job_after(q, simple)
    _assert_failed(job, "cannot decode payload" if field != "func" else "invalid callable path")
    if field != "func":
        assert f"field {field!r} is corrupted" in job.exc_info
    assert connection.lrange(jobs.CALLBACK_LOG, 0, -1) == []  # nothing of it ran
