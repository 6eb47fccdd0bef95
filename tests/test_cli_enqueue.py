"""``jobctl enqueue`` end to end: the typed argument grammar, every option, --wait."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis

from jobctl.job import Job
from jobctl.queue import Queue
from jobctl.status import JobStatus
from tests.cli_support import (  # noqa: F401
    Runner,
    WorkerProcess,
    cli_env,
    cli_fixture,
    exe_fixture,
    redis_state,
    worker_process,
)

JobMaker = Callable[..., Job]


@pytest.fixture
def job_of(cli: Runner, connection: redis.Redis) -> JobMaker:
    """Enqueue with the CLI, check it printed just the id, and load the job from Redis."""

    def run(*args: str, stdin: str = "") -> Job:
        result = cli("enqueue", *args, stdin=stdin)
        assert result.code == 0, result
        job_id = result.out.strip()
        assert result.out == job_id + "\n", result
        return Job.fetch(job_id, connection=connection)

    return run


# --------------------------------------------------------------------------- the grammar


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("hello", "hello"),
        ("", ""),
        ("42", "42"),
        (":42", 42),
        (":-1.5", -1.5),
        (":true", True),
        (":null", None),
        (":[1,2]", [1, 2]),
        (':{"a":1}', {"a": 1}),
        (':"quoted"', "quoted"),
        ("a:b", "a:b"),
        ("x@y", "x@y"),
    ],
)
def test_arg_grammar(job_of: JobMaker, raw: str, value: object) -> None:
    job = job_of("tests.jobs.echo", "--arg", raw)
    assert job.args == (value,)
    assert job.kwargs == {}


@pytest.mark.parametrize(
    ("raw", "key", "value"),
    [
        ("name=text", "name", "text"),
        ("n:=5", "n", 5),
        ("flags:=[true,null]", "flags", [True, None]),
        ("eq=a=b", "eq", "a=b"),
        ("empty=", "empty", ""),
        ("obj:={\"k\":[1]}", "obj", {"k": [1]}),
    ],
)
def test_kwarg_grammar(job_of: JobMaker, raw: str, key: str, value: object) -> None:
    job = job_of("tests.jobs.echo", "--kwarg", raw)
    assert job.args == ()
    assert job.kwargs == {key: value}


def test_file_and_stdin_arguments(job_of: JobMaker, tmp_path: Path) -> None:
    path = tmp_path / "body.txt"
    path.write_text("line 1\nline 2\n")
    job = job_of(
        "tests.jobs.echo", "--arg", f"@{path}", "--arg", "@-", "--kwarg", f"body=@{path}",
        "--arg", ":7", stdin="from stdin\n",
    )
    assert job.args == ("line 1\nline 2\n", "from stdin\n", 7)
    assert job.kwargs == {"body": "line 1\nline 2\n"}


def test_kwarg_from_stdin(job_of: JobMaker) -> None:
    job = job_of("tests.jobs.echo", "--kwarg", "text=@-", stdin="piped")
    assert job.kwargs == {"text": "piped"}


def test_positional_and_keyword_order_is_kept(job_of: JobMaker) -> None:
    job = job_of("tests.jobs.echo", "--arg", "a", "--arg", ":2", "--kwarg", "z=1",
                 "--kwarg", "a:=2")
    assert job.args == ("a", 2)
    assert list(job.kwargs.items()) == [("z", "1"), ("a", 2)]


def test_colon_object_method_path(job_of: JobMaker) -> None:
    job = job_of("tests.jobs:Calculator.double", "--arg", ":4")
    assert job.func_name == "tests.jobs:Calculator.double"
    assert job.args == (4,)


# --------------------------------------------------------------------------- the options


def test_every_enqueue_option_is_stored(job_of: JobMaker, connection: redis.Redis) -> None:
    parent = job_of("tests.jobs.add", "--arg", ":1", "--arg", ":1", "--queue", "other")
    other = job_of("tests.jobs.add", "--arg", ":1", "--arg", ":1", "--queue", "other")
    job = job_of(
        "tests.jobs.add", "--arg", ":2", "--arg", ":3",
        "--queue", "emails", "--timeout", "5m", "--result-ttl", "60", "--ttl", "1h",
        "--failure-ttl", "2d", "--depends-on", parent.id, "--depends-on", other.id,
        "--job-id", "custom-id_1", "--description", "send the mail", "--meta", "owner=ops",
        "--meta", "attempt:=3", "--retry", "2", "--retry-interval", "1", "--retry-interval", "5",
    )
    assert job.id == "custom-id_1"
    assert job.origin == "emails"
    assert job.timeout == 300
    assert job.result_ttl == 60
    assert job.ttl == 3600
    assert job.failure_ttl == 2 * 86400
    assert job.description == "send the mail"
    assert job.meta == {"owner": "ops", "attempt": 3}
    assert job.retries_left == 2
    assert job.retry_intervals == [1, 5]
    assert sorted(job.dependency_ids) == sorted([parent.id, other.id])
    assert job.get_status() == JobStatus.DEFERRED
    assert Queue("emails", connection=connection).count == 0  # waits for its dependencies


def test_at_front(job_of: JobMaker, connection: redis.Redis) -> None:
    first = job_of("tests.jobs.add", "--arg", ":1", "--arg", ":1")
    second = job_of("tests.jobs.add", "--arg", ":1", "--arg", ":1")
    urgent = job_of("tests.jobs.add", "--arg", ":1", "--arg", ":1", "--at-front")
    assert Queue(connection=connection).job_ids == [urgent.id, first.id, second.id]


def test_timeout_none_and_durations(job_of: JobMaker) -> None:
    assert job_of("tests.jobs.add", "--timeout", "-1").field("timeout") == b"-1"
    assert job_of("tests.jobs.add", "--timeout", "90").timeout == 90
    assert job_of("tests.jobs.add", "--timeout", "2h").timeout == 7200
    assert job_of("tests.jobs.add", "--result-ttl", "-1").field("result_ttl") == b"-1"
    assert job_of("tests.jobs.add", "--result-ttl", "0").result_ttl == 0


def test_json_output(cli: Runner, connection: redis.Redis) -> None:
    result = cli("enqueue", "tests.jobs.add", "--arg", ":1", "--arg", ":2", "-q", "q1", "--json")
    assert result.code == 0, result
    document = json.loads(result.out)
    assert set(document) == {"id", "queue", "func", "status"}
    assert document["queue"] == "q1"
    assert document["func"] == "tests.jobs.add"
    assert document["status"] == "queued"
    assert Job.fetch(document["id"], connection=connection).args == (1, 2)
    # the global --json (before the subcommand) does the same
    result = cli("--json", "enqueue", "tests.jobs.add")
    assert json.loads(result.out)["status"] == "queued"


def test_quiet_prints_only_the_id(cli: Runner, connection: redis.Redis) -> None:
    result = cli("enqueue", "tests.jobs.add", "--quiet")
    assert result.code == 0
    assert result.err == ""
    assert result.out_lines == [result.out.strip()]
    assert connection.exists(f"{{jobctl}}:job:{result.out.strip()}")


def test_no_import_check_lets_producers_without_the_code_enqueue(
    cli: Runner, connection: redis.Redis
) -> None:
    refused = cli("enqueue", "mypkg.missing_mod.fn")
    assert refused.code == 2
    result = cli("enqueue", "mypkg.missing_mod.fn", "--no-import-check", "--arg", "x")
    assert result.code == 0, result
    job = Job.fetch(result.out.strip(), connection=connection)
    assert job.func_name == "mypkg.missing_mod.fn"
    assert job.args == ("x",)


@pytest.mark.parametrize("prefix", ["tests", "tests.jobs", "tests.jobs.add", "other.mod"])
def test_allow_accepts_callables_under_a_prefix(cli: Runner, prefix: str) -> None:
    result = cli("enqueue", "tests.jobs.add", "--allow", "nothing.here", "--allow", prefix)
    if prefix == "other.mod":
        assert result.code == 2
        assert "not allowed" in result.err
    else:
        assert result.code == 0, result


def test_allow_prefix_stops_at_module_boundaries(cli: Runner, connection: redis.Redis) -> None:
    result = cli("enqueue", "tests.jobs.add", "--allow", "tests.jo")
    assert result.code == 2
    assert "not allowed" in result.err
    assert redis_state(connection) == {}


def test_serializer_json(cli: Runner, connection: redis.Redis) -> None:
    result = cli("--serializer", "json", "enqueue", "tests.jobs.echo", "--kwarg", "n:=1")
    assert result.code == 0, result
    job = Job.fetch(result.out.strip(), connection=connection)
    assert job.field("ser") == b"json"
    assert job.kwargs == {"n": 1}


# --------------------------------------------------------------------------- --at / --in


def test_in_schedules_the_job(cli: Runner, connection: redis.Redis) -> None:
    before = time.time()
    result = cli("enqueue", "tests.jobs.add", "--in", "5m", "--json")
    assert result.code == 0, result
    document = json.loads(result.out)
    assert document["status"] == "scheduled"
    score = connection.zscore("{jobctl}:scheduled:default", document["id"])
    assert score is not None
    assert before + 299 <= score <= time.time() + 301
    assert Queue(connection=connection).count == 0


def test_at_schedules_the_job(cli: Runner, connection: redis.Redis) -> None:
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    for text in (due.isoformat().replace("+00:00", "Z"),
                 due.astimezone(UTC).isoformat(),
                 due.astimezone(timezone(timedelta(hours=2))).isoformat()):
        result = cli("enqueue", "tests.jobs.add", "--at", text)
        assert result.code == 0, result
        score = connection.zscore("{jobctl}:scheduled:default", result.out.strip())
        assert score == pytest.approx(due.timestamp(), abs=1)


# --------------------------------------------------------------------------- --wait


@pytest.fixture
def live_worker(redis_url: str, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A worker that takes one job (in-process for speed) and then exits."""
    env = cli_env(JOBCTL_REDIS_URL=redis_url)
    with worker_process(["--no-fork", "--max-jobs", "1", "--max-idle-time", "30"],
                        tmp_path, env) as worker:
        yield worker


def test_wait_prints_the_result_and_exits_0(cli: Runner, live_worker: WorkerProcess) -> None:
    result = cli("enqueue", "tests.jobs.add", "--arg", ":20", "--arg", ":22", "--wait",
                 "--wait-timeout", "20")
    assert result.code == 0, result
    assert result.out == "42\n"
    assert live_worker.wait() == 0


def test_wait_on_a_failing_job_exits_1(cli: Runner, live_worker: WorkerProcess) -> None:
    result = cli("enqueue", "tests.jobs.fail", "--arg", "it broke", "--wait",
                 "--wait-timeout", "20")
    assert result.code == 1, result
    assert result.out == ""
    [line] = result.err_lines
    assert line.startswith("jobctl: error: job ")
    assert line.endswith("failed: ValueError: it broke")
    assert live_worker.wait() == 0


def test_wait_json(cli: Runner, live_worker: WorkerProcess) -> None:
    result = cli("enqueue", "tests.jobs.echo", "--arg", "x", "--kwarg", "k:=1", "--wait",
                 "--wait-timeout", "20", "--json")
    assert result.code == 0, result
    document = json.loads(result.out)
    assert document["status"] == "finished"
    assert document["result"] == {"args": ["x"], "kwargs": {"k": 1}}
    assert document["exc_info"] is None


def test_wait_timeout_without_a_worker_exits_1(cli: Runner, connection: redis.Redis) -> None:
    result = cli("enqueue", "tests.jobs.add", "--wait", "--wait-timeout", "0.3")
    assert result.code == 1
    assert result.out == ""  # stdout is for the result only
    [job_id] = [k.decode().rpartition(":")[2] for k in connection.keys("*job:*")]
    assert result.err_lines == [
        f"jobctl: error: timed out after 0.3s waiting for job {job_id} (status queued)"
    ]
    assert result.elapsed < 3


def test_executable_enqueue_and_wait(exe: Runner, redis_url: str, tmp_path: Path) -> None:
    """The installed executable with JOBCTL_REDIS_URL from the environment."""
    env = cli_env(JOBCTL_REDIS_URL=redis_url)
    with worker_process(["--max-jobs", "1", "--max-idle-time", "30"], tmp_path, env):
        result = exe("enqueue", "tests.jobs.echo", "--arg", "@-", "--wait",
                     "--wait-timeout", "20", stdin="über\n")
    assert result.code == 0, result
    assert json.loads(result.out) == {"args": ["über\n"], "kwargs": {}}
