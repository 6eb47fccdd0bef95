"""The CLI rows of bad-inputs.md (connection rows 9-14 are in test_cli_connection.py): each bad
input gets its message and exit code, and nothing is written to Redis."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from jobctl.exceptions import PayloadTooLargeError
from jobctl.job import Job
from jobctl.payload import EnqueueOptions, prepare_job
from jobctl.queue import Queue
from jobctl.serializers import resolve_serializer
from jobctl.utils import format_bytes
from tests.cli_support import (
    JOBCTL,
    REPO,
    Result,
    Runner,
    cli_env,
    cli_fixture,  # noqa: F401
    redis_state,
)

DURATION_FORMS = "seconds as a number (30), or with a unit: 30s, 5m, 2h, 1d"


@pytest.fixture
def existing(connection: redis.Redis) -> Job:
    """Something already in Redis, so "nothing written" is checked against real state."""
    return Queue(connection=connection).enqueue("tests.jobs.add", 1, 2, job_id="existing")


@pytest.fixture
def unchanged(connection: redis.Redis, existing: Job) -> Iterator[None]:
    """The test must leave every key exactly as it found it."""
    before = redis_state(connection)
    yield
    assert redis_state(connection) == before, "a rejected command wrote to Redis"


def refused(result: Result, code: int, *fragments: str) -> None:
    assert result.code == code, result
    assert result.out == "", result
    [line] = result.err_lines
    assert line.startswith("jobctl: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --------------------------------------------------------------------------- rows 1, 2, 4, 5


@pytest.mark.parametrize("path", ["not a path!", "mod.", ".fn", "mod..fn", "mod", "a.b:c:d", ""])
def test_row1_invalid_callable_path_is_checked_before_connecting(
    cli: Runner, unchanged: None, path: str
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # exit 3 if it tried to connect
    result = cli("enqueue", path, url=nowhere)
    refused(result, 2, f"invalid callable path {path!r}: expected module.function")


def test_row2_module_that_cannot_be_imported(cli: Runner, unchanged: None) -> None:
    result = cli("enqueue", "mypkg.missing_mod.fn")
    refused(result, 2, "cannot import module 'mypkg.missing_mod': ")


def test_row2_import_check_can_be_skipped(cli: Runner, connection: redis.Redis) -> None:
    result = cli("enqueue", "mypkg.missing_mod.fn", "--no-import-check")
    assert result.code == 0, result
    assert Job.fetch(result.out.strip(), connection=connection).func_name == (
        "mypkg.missing_mod.fn")


def test_row2_module_that_raises_on_import(cli: Runner, unchanged: None, tmp_path: Path) -> None:
    (tmp_path / "cli_broken_on_import.py").write_text("raise RuntimeError('bad module')\n")
    result = cli("enqueue", "cli_broken_on_import.fn", "--path", str(tmp_path))
    refused(result, 2, "cannot import module 'cli_broken_on_import': RuntimeError: bad module")


def test_row4_missing_attribute_and_not_callable(cli: Runner, unchanged: None) -> None:
    refused(cli("enqueue", "os.nope"), 2, "'os' has no attribute 'nope'")
    refused(cli("enqueue", "os.sep"), 2, "'os.sep' is not callable")
    refused(cli("enqueue", "tests.jobs.GLOBAL_CONTEXT"), 2, "is not callable")


@pytest.mark.parametrize(
    "path",
    ["os.system", "subprocess.run", "builtins.eval", "pickle.loads", "os.popen", "shutil.rmtree",
     "builtins.exec", "subprocess.does_not_exist", "pickle:loads"],
)
def test_row5_denied_callables(cli: Runner, unchanged: None, path: str) -> None:
    # subprocess.does_not_exist: refused as "not allowed", so it was never looked up
    result = cli("enqueue", path, "--no-import-check")
    refused(result, 2, f"callable {path!r} is not allowed")
    refused(cli("enqueue", path), 2, "not allowed")


def test_row5_outside_allow_is_refused_without_importing(
    cli: Runner, unchanged: None, tmp_path: Path
) -> None:
    marker = tmp_path / "imported.txt"
    (tmp_path / "cli_never_imported.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\n\ndef fn():\n    return 1\n")
    result = cli("enqueue", "cli_never_imported.fn", "--allow", "tests", "--allow", "app.tasks",
                 "--path", str(tmp_path))
    refused(result, 2, "callable 'cli_never_imported.fn' is not allowed: outside --allow "
                       "tests, app.tasks")
    assert not marker.exists()
    assert "cli_never_imported" not in sys.modules


# --------------------------------------------------------------------------- row 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arg", ":{bad json"], "--arg #1: invalid JSON at line 1 column 2"),
        (["--arg", "fine", "--arg", ':{"a": }'], "--arg #2: invalid JSON at line 1 column 7"),
        (["--arg", ":NaN"], "--arg #1: invalid JSON: NaN is not valid JSON"),
        (["--arg", ":Infinity"], "--arg #1: invalid JSON: Infinity is not valid JSON"),
        (["--arg", ":[1, -Infinity]"], "--arg #1: invalid JSON: -Infinity is not valid JSON"),
        (["--arg", ":"], "--arg #1: invalid JSON at line 1 column 1"),
        (["--arg", "@missing.txt"], "--arg #1: cannot read file 'missing.txt': No such file"),
        (["--kwarg", "k=1", "--kwarg", "k=2"], "--kwarg k: given more than once"),
        (["--kwarg", "k=1", "--kwarg", "k:=2"], "--kwarg k: given more than once"),
        (["--kwarg", "=v"], "--kwarg '=v': the key must be a Python identifier"),
        (["--kwarg", "1x=v"], "--kwarg '1x=v': the key must be a Python identifier"),
        (["--kwarg", "novalue"], "--kwarg 'novalue': expected KEY=VALUE, KEY:=JSON or KEY=@FILE"),
        (["--kwarg", "k:={"], "--kwarg k: invalid JSON at line 1 column 2"),
        (["--kwarg", "k:=NaN"], "--kwarg k: invalid JSON: NaN is not valid JSON"),
        (["--kwarg", "k=@/nonexistent/f"], "--kwarg k: cannot read file '/nonexistent/f'"),
        (["--meta", "=x"], "the key must be a Python identifier"),
        (["--retry-interval", "5"], "--retry-interval needs --retry N"),
        (["--retry", "0"], "--retry"),
    ],
)
def test_row8_bad_arguments_name_the_argument(
    cli: Runner, unchanged: None, args: list[str], message: str
) -> None:
    refused(cli("enqueue", "tests.jobs.echo", *args), 2, message)


def test_row8_python_is_never_evaluated(cli: Runner, connection: redis.Redis,
                                        tmp_path: Path) -> None:
    marker = tmp_path / "evaluated"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    refused(cli("enqueue", "tests.jobs.echo", "--arg", f":{code}"), 2, "invalid JSON")
    plain = cli("enqueue", "tests.jobs.echo", "--arg", code, "--kwarg", f"k={code}")
    assert plain.code == 0
    job = Job.fetch(plain.out.strip(), connection=connection)
    assert job.args == (code,)
    assert job.kwargs == {"k": code}
    assert not marker.exists()


# --------------------------------------------------------------------------- rows 15-21


def test_row15_payload_over_the_limit(cli: Runner, unchanged: None, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * (2 * 1024 * 1024))
    result = cli("enqueue", "tests.jobs.echo", "--arg", f"@{big}")
    refused(result, 2)
    assert "payload is 2.0 MiB; limit 1 MiB" in result.err, result.err
    refused(cli("enqueue", "tests.jobs.echo", "--kwarg", "big=@-", stdin="y" * 1_200_000), 2,
            "payload is 1.1 MiB")


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.5 KiB"), (1024**2, "1 MiB"),
     (int(12.3 * 1024**2), "12.3 MiB"), (1024**2 - 1, "1.0 MiB"), (1024**2 * 1024, "1 GiB"),
     (1024**3 - 1, "1.0 GiB")],
)
def test_row15_sizes_drop_a_useless_decimal(size: int, shown: str) -> None:
    assert format_bytes(size) == shown


def test_row15_just_over_the_limit_shows_bytes() -> None:
    """Rounded, 1 MiB + 30 bytes would read "payload is 1.0 MiB; limit 1 MiB": say bytes."""
    with pytest.raises(PayloadTooLargeError,
                       match=r"^payload is 1,048,[0-9]{3} bytes; limit 1,048,576 bytes$"):
        prepare_job("tests.jobs.echo", ("x" * 1024**2,), {}, EnqueueOptions(),
                    queue_name="default", serializer=resolve_serializer(None),
                    max_payload=1024**2)


def test_row16_job_id_exists(cli: Runner, unchanged: None) -> None:
    result = cli("enqueue", "tests.jobs.echo", "--job-id", "existing", "--arg", "new")
    refused(result, 6, "job 'existing' already exists (status queued)")


def test_row16_concurrent_enqueues_of_one_id(connection: redis.Redis, redis_url: str) -> None:
    env = cli_env(JOBCTL_REDIS_URL=redis_url)
    procs = [subprocess.Popen([str(JOBCTL), "enqueue", "tests.jobs.echo", "--arg", str(i),
                               "--job-id", "only-once"], env=env, cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(5)]
    results = [(p.wait(30), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0] + [6] * 4, results
    for code, _out, err in results:
        if code == 6:
            assert err.startswith("jobctl: error: job 'only-once' already exists (status ")
    assert Queue(connection=connection).job_ids == ["only-once"]


@pytest.mark.parametrize("job_id", ["a:b", "{x}", "with space", "", "a" * 300, "ünï", "a/b"])
def test_row17_bad_job_ids(cli: Runner, unchanged: None, job_id: str) -> None:
    refused(cli("enqueue", "tests.jobs.add", "--job-id", job_id), 2,
            "job id must match [A-Za-z0-9_-]{1,128}")
    refused(cli("job", "show", job_id), 2, "job id must match [A-Za-z0-9_-]{1,128}")
    refused(cli("enqueue", "tests.jobs.add", "--depends-on", job_id), 2, "job id must match")


def test_row18_dependency_that_never_existed(cli: Runner, unchanged: None) -> None:
    refused(cli("enqueue", "tests.jobs.add", "--depends-on", "Y"), 5,
            "dependency 'Y' does not exist")
    refused(cli("enqueue", "tests.jobs.add", "--depends-on", "existing", "--depends-on", "Y2"),
            5, "dependency 'Y2' does not exist")


def test_row19_job_depending_on_itself(cli: Runner, unchanged: None) -> None:
    refused(cli("enqueue", "tests.jobs.add", "--job-id", "Z", "--depends-on", "Z"), 2,
            "a job cannot depend on itself")


@pytest.mark.parametrize("name", ["", "a{b}", "a:b", "a b", "q" * 129, "a\x1b[2J"])
def test_row20_bad_queue_names(cli: Runner, unchanged: None, name: str) -> None:
    message = "queue name must match [A-Za-z0-9_.-]{1,128}"
    refused(cli("enqueue", "tests.jobs.add", "--queue", name), 2, message)
    refused(cli("queue", "show", name), 2, message)
    refused(cli("queue", "empty", name, "--yes"), 2, message)
    refused(cli("jobs", "--queue", name), 2, message)
    refused(cli("worker", name, "--burst"), 2, message)
    assert "\x1b" not in cli("queue", "show", name).err


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("--timeout", "-5", "must be positive"),
        ("--timeout", "0", "must be positive"),
        ("--timeout", "10x", ""),
        ("--timeout", "", ""),
        ("--result-ttl", "abc", ""),
        ("--result-ttl", "-7", "must be positive"),
        ("--ttl", "0", "must be positive"),
        ("--ttl", "1.5h", ""),
        ("--failure-ttl", "forever", ""),
        ("--in", "soon", ""),
        ("--in", "0", "must be positive"),
    ],
)
def test_row21_bad_durations_list_the_accepted_forms(
    cli: Runner, unchanged: None, option: str, value: str, reason: str
) -> None:
    result = cli("enqueue", "tests.jobs.add", f"{option}={value}")
    refused(result, 2, f"invalid {option} {value!r}: ", DURATION_FORMS, reason)
    library_names = r"job_timeout|result_ttl|failure_ttl|(?<![-\w])ttl"
    assert not re.search(library_names, result.err), result.err
    if option in ("--timeout", "--result-ttl", "--ttl", "--failure-ttl"):
        assert "-1 for no limit" in result.err
    else:
        assert "-1" not in result.err
    # the value may also follow as its own word, even when it looks like an option
    assert cli("enqueue", "tests.jobs.add", option, value).code == 2


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["purge", "failed", "--older-than", "7x", "--yes"], "--older-than"),
        (["purge", "failed", "--older-than", "0", "--yes"], "--older-than"),
        (["suspend", "--duration", "soon"], "--duration"),
        (["suspend", "--duration", "-1"], "--duration"),
    ],
)
def test_row21_other_durations_name_their_option(
    cli: Runner, unchanged: None, args: list[str], option: str
) -> None:
    result = cli(*args)
    refused(result, 2, f"invalid {option} {args[-2 if args[-1] == '--yes' else -1]!r}: ",
            DURATION_FORMS)
    assert "-1 for no limit" not in result.err


def test_row21_valid_durations_reach_the_job(cli: Runner, connection: redis.Redis) -> None:
    result = cli("enqueue", "tests.jobs.add", "--timeout", "-1", "--result-ttl", "0",
                 "--ttl", "2h", "--failure-ttl", "1d", "--arg", ":1", "--arg", ":2")
    assert result.code == 0, result
    job = Job.fetch(result.out.strip(), connection=connection)
    assert (job.timeout, job.result_ttl, job.ttl, job.failure_ttl) == (-1, 0, 7200, 86400)


# --------------------------------------------------------------------------- row 22: --at/--in


def test_row22_bad_schedules(cli: Runner, unchanged: None) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    naive = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None).isoformat()
    refused(cli("enqueue", "tests.jobs.add", "--at", past), 2, "is in the past")
    refused(cli("enqueue", "tests.jobs.add", "--at", future, "--in", "5m"), 2,
            "give --at or --in, not both")
    refused(cli("enqueue", "tests.jobs.add", "--at", "next tuesday"), 2,
            "--at 'next tuesday' is not an ISO-8601 time")
    refused(cli("enqueue", "tests.jobs.add", "--at", "2099-13-45T99:00:00Z"), 2,
            "is not an ISO-8601 time")
    # times without a zone are rejected (documented in --help), never guessed
    refused(cli("enqueue", "tests.jobs.add", "--at", naive), 2,
            "has no time zone; add Z or an offset like +02:00")
    help_text = " ".join(cli("enqueue", "--help").out.split())
    assert "ISO-8601 with a zone" in help_text


# --------------------------------------------------------------------------- row 23


CORRUPTIONS: dict[str, dict[str | bytes, bytes]] = {
    "data": {b"data": b"\x80\x04garbage"},
    "status": {b"status": b"weird"},
    "times": {b"created_at": b"yesterday", b"enqueued_at": b"nan-ish", b"ended_at": b"1e999"},
    "numbers": {b"timeout": b"ten", b"result_ttl": b"x", b"retries_left": b"?"},
    "bytes": {b"func": b"\xff\xfe", b"exc_info": b"\xff", b"worker": b"\xc3", b"origin": b"\xff",
              b"description": b"\xfe"},
    "meta": {b"meta": b"not pickle", b"ser": b"bogus"},
    "result": {b"status": b"finished", b"result": b"\x80\x05junk"},
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_row23_corrupted_job_hash_is_shown_not_crashed_on(
    cli: Runner, connection: redis.Redis, kind: str
) -> None:
    job = Queue("broken", connection=connection).enqueue("tests.jobs.echo", "x", job_id="bad")
    connection.hset(job.key, mapping=CORRUPTIONS[kind])
    before = redis_state(connection)
    show = cli("job", "show", "bad")
    assert show.code == 0, show
    assert show.out_lines[0] == "id\tbad"
    assert "\ufffd" in show.out or "undecodable" in show.out or kind in ("times", "numbers")
    if kind == "data":
        assert "call\ttests.jobs.echo(<undecodable: " in show.out
    if kind == "status":
        assert "status\t<undecodable status 'weird'>" in show.out_lines
    as_json = cli("job", "show", "bad", "--json")
    assert as_json.code == 0, as_json
    listing = cli("jobs")
    assert listing.code == 0, listing
    assert listing.out.startswith("bad\t")
    assert cli("jobs", "--json").code == 0
    assert cli("queue", "show", "broken").code == 0
    assert cli("info").code == 0
    assert cli("job", "result", "bad").code in (0, 1)
    assert redis_state(connection) == before  # looking never repairs or deletes


# --------------------------------------------------------------------------- row 24


HOSTILE = "a\x1b[2Jb\x1b]52;c;SGVsbG8=\x07c\u202egnp.exe\u2066d\x9b31m"


def _assert_safe(text: str, limit: int) -> None:
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\x9b" not in text
    assert "\u202e" not in text and "\u2066" not in text
    assert len(text) < limit, len(text)


def test_row24_hostile_text_is_escaped_and_truncated(
    cli: Runner, connection: redis.Redis
) -> None:
    huge = "Z" * 10_000_000
    queue = Queue("evil", connection=connection, max_payload=64 * 1024 * 1024)
    job = queue.enqueue("tests.jobs.echo", HOSTILE, huge, k=HOSTILE, job_id="evil",
                        description=HOSTILE + huge)
    connection.hset(job.key, mapping={
        "status": "failed", "exc_info": f"Traceback\n  {HOSTILE}\nValueError: {HOSTILE}{huge}",
        "ended_at": repr(time.time())})
    connection.zadd("{jobctl}:failed:evil", {"evil": time.time() + 3600})
    show = cli("job", "show", "evil")
    assert show.code == 0
    _assert_safe(show.out, 100_000)
    assert "\\x1b[2J" in show.out
    assert "\\x1b]52;c;SGVsbG8=\\x07" in show.out
    assert "\\u202e" in show.out
    assert "(+" in show.out and "chars)" in show.out  # says how much was cut
    result = cli("job", "result", "evil")
    assert result.code == 1
    _assert_safe(result.err, 2_000)
    verbose = cli("-v", "job", "result", "evil")
    _assert_safe(verbose.out + verbose.err, 100_000)
    for args in (["jobs"], ["jobs", "--status", "failed", "--exc", "*ValueError*"],
                 ["queue", "show", "evil"]):
        listing = cli(*args)
        assert listing.code == 0
        _assert_safe(listing.out, 100_000)
    for args in (["job", "show", "evil", "--json"], ["jobs", "--json"]):
        listing = cli(*args)
        assert "\x1b" not in listing.out  # JSON escapes control characters


def test_row24_hostile_error_from_a_waited_job(cli: Runner, connection: redis.Redis) -> None:
    job = Queue(connection=connection, is_async=False).enqueue("tests.jobs.fail", HOSTILE)
    result = cli("job", "result", job.id)
    assert result.code == 1
    _assert_safe(result.err, 1_000)
    assert result.err_lines == [
        f"jobctl: error: job {job.id} failed: ValueError: a\\x1b[2Jb\\x1b]52;c;SGVsbG8=\\x07c"
        "\\u202egnp.exe\\u2066d\\x9b31m"]


# --------------------------------------------------------------------------- rows 25, 26


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["job", "show", "NOPE"], "no such job 'NOPE'"),
        (["job", "result", "NOPE"], "no such job 'NOPE'"),
        (["job", "cancel", "NOPE"], "no such job 'NOPE'"),
        (["job", "requeue", "NOPE"], "no such job 'NOPE'"),
        (["job", "stop", "NOPE"], "no such job 'NOPE'"),
        (["job", "delete", "NOPE", "--yes"], "no such job 'NOPE'"),
        (["queue", "show", "NOPE"], "no such queue 'NOPE'"),
        (["queue", "delete", "NOPE", "--yes"], "no such queue 'NOPE'"),
        (["queue", "empty", "NOPE", "--yes"], "no such queue 'NOPE'"),
        (["queue", "pause", "NOPE"], "no such queue 'NOPE'"),
        (["queue", "resume", "NOPE"], "no such queue 'NOPE'"),
        (["worker-stop", "NOPE"], "no such worker 'NOPE'"),
        (["worker-kill-horse", "NOPE"], "no such worker 'NOPE'"),
    ],
)
def test_row25_not_found(cli: Runner, unchanged: None, args: list[str], message: str) -> None:
    refused(cli(*args), 5, message)


DESTRUCTIVE = [
    (["queue", "empty", "default"], "refusing to remove 1 queued job from queue 'default'"),
    (["queue", "delete", "default"], "refusing to delete queue 'default' and its 1 queued job"),
    (["job", "delete", "existing"], "refusing to delete 1 job"),
    (["requeue", "--all"], "refusing to requeue 1 failed job in every queue"),
    (["requeue", "--func", "*fail*", "--queue", "default"],
     "refusing to requeue 1 failed job in 'default'"),
    (["purge", "finished"], "refusing to delete 1 finished job from every queue"),
    (["purge", "failed", "--queue", "default"], "refusing to delete 1 failed job from 'default'"),
    (["purge", "canceled"], "refusing to delete 1 canceled job from every queue"),
    (["worker-stop", "--all"], "refusing to stop 0 workers"),
]


@pytest.fixture
def one_of_each(connection: redis.Redis, existing: Job) -> None:
    sync = Queue(connection=connection, is_async=False)
    sync.enqueue("tests.jobs.add", 1, 1)
    sync.enqueue("tests.jobs.fail", "x")
    Queue("other", connection=connection).enqueue("tests.jobs.add", 1, 1).cancel()


@pytest.mark.parametrize(("args", "message"), DESTRUCTIVE)
def test_row26_destructive_commands_refuse_without_yes(
    cli: Runner, connection: redis.Redis, one_of_each: None, args: list[str], message: str
) -> None:
    before = redis_state(connection)
    result = cli(*args, stdin="y\n")  # an answer on a pipe does not count
    refused(result, 2, message, "without --yes (stdin is not a terminal)")
    assert redis_state(connection) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["queue", "empty", "default"], "would remove 1 queued job from 'default'"),
        (["queue", "delete", "default"], "would delete queue 'default' and 1 queued job"),
        (["job", "delete", "existing"], "would delete 1 job: existing"),
        (["requeue", "--all"], "would requeue 1 failed job in every queue"),
        (["purge", "finished"], "would delete 1 finished job from every queue"),
        (["purge", "failed"], "would delete 1 failed job from every queue"),
        (["purge", "canceled"], "would delete 1 canceled job from every queue"),
    ],
)
def test_row26_dry_run_states_the_count_and_changes_nothing(
    cli: Runner, connection: redis.Redis, one_of_each: None, args: list[str], message: str
) -> None:
    before = redis_state(connection)
    result = cli(*args, "--dry-run")
    assert result.code == 0, result
    assert result.out_lines[0] == message
    assert redis_state(connection) == before


def test_row26_from_the_executable(connection: redis.Redis, redis_url: str,
                                   one_of_each: None) -> None:
    before = redis_state(connection)
    proc = subprocess.run([str(JOBCTL), "purge", "failed"], input="y\n", capture_output=True,
                          text=True, env=cli_env(JOBCTL_REDIS_URL=redis_url), cwd=REPO,
                          timeout=30)
    assert proc.returncode == 2
    assert proc.stderr == ("jobctl: error: refusing to delete 1 failed job from every queue "
                           "without --yes (stdin is not a terminal)\n")
    assert redis_state(connection) == before
