"""The output contract: plain rows when piped, Rich on a terminal, JSON and nothing else with
--json, one-line errors (tracebacks only with -v), global options anywhere, confirmation on a
terminal, the documented exit codes and Ctrl-C."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time

import pytest
import redis

from jobctl.job import Job
from jobctl.queue import Queue
from tests.cli_support import (  # noqa: F401
    BOX_CHARS,
    JOBCTL,
    REPO,
    Result,
    Runner,
    cli_env,
    cli_fixture,
    exe_fixture,
    run_exe,
    wait_until,
)


def failed_job(connection: redis.Redis, queue: str = "default", message: str = "boom") -> Job:
    return Queue(queue, connection=connection, is_async=False).enqueue("tests.jobs.fail", message)


def queued_job(connection: redis.Redis, queue: str = "default") -> Job:
    return Queue(queue, connection=connection).enqueue("tests.jobs.add", 1, 2)


def assert_plain_rows(result: Result, columns: int | None = None) -> None:
    assert result.code == 0, result
    assert result.out, result
    assert "\x1b" not in result.out
    assert not set(result.out) & BOX_CHARS
    widths = {len(line.split("\t")) for line in result.out_lines if line}
    assert all(width > 1 for width in widths), result.out
    if columns is not None:
        assert widths == {columns}


# --------------------------------------------------------------------------- piped output


def test_piped_tables_are_tab_separated(exe: Runner, connection: redis.Redis) -> None:
    bad = failed_job(connection, "mail", "with\ttab and \x1b[31mred")
    queued_job(connection, "mail")
    assert_plain_rows(exe("jobs"), 8)
    assert_plain_rows(exe("queues"), 10)
    assert_plain_rows(exe("info"), 10)
    assert_plain_rows(exe("queue", "show", "mail"))
    shown = exe("job", "show", bad.id)
    assert "\x1b" not in shown.out
    fields = [line.split("\t") for line in shown.out_lines[:10]]
    assert all(len(f) == 2 for f in fields), shown.out
    # the tab inside the job's data cannot break the columns
    [row] = [line for line in exe("jobs", "--status", "failed").out_lines]
    assert row.split("\t")[-1] == "ValueError: with\\ttab and \\x1b[31mred"


def test_json_is_json_and_nothing_else(cli: Runner, exe: Runner, connection: redis.Redis) -> None:
    bad = failed_job(connection)
    queued_job(connection)
    documents = {
        "info": ["info", "--json"],
        "queue show": ["queue", "show", "default", "--json"],
        "job show": ["job", "show", bad.id, "--json"],
        "job result": ["job", "result", bad.id, "--json"],
        "check": ["check", "--json"],
        "enqueue": ["enqueue", "tests.jobs.add", "--json"],
        "requeue": ["requeue", "--all", "--dry-run", "--json"],
        "global": ["--json", "job", "show", bad.id],
    }
    for name, args in documents.items():
        result = cli(*args)
        assert result.code in (0, 1), (name, result)
        assert isinstance(json.loads(result.out), dict), name
        assert result.out.count("\n") == 1, name
    for args in (["jobs", "--json"], ["queues", "--json"], ["workers", "--json"]):
        result = cli(*args)
        assert result.code == 0
        for line in result.out_lines:
            assert isinstance(json.loads(line), dict)
    piped = exe("jobs", "--json")
    assert piped.code == 0
    assert len([json.loads(line) for line in piped.out_lines]) == 3
    assert piped.err == ""
    assert json.loads(exe("info", "--json").out)["totals"]["queued"] == 2


def test_a_closed_stdout_is_not_blamed_on_redis(connection: redis.Redis, redis_url: str) -> None:
    """``jobctl jobs | head -1``: the reader left; exit 141 (128 + SIGPIPE) and say nothing."""
    failed_job(connection)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before jobctl writes anything
    try:
        for args in (["jobs"], ["job", "show", "NOPE"], ["--help"]):
            proc = subprocess.run([str(JOBCTL), "--url", redis_url, *args], stdout=write_end,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                  env=cli_env(), cwd=REPO, timeout=30)
            if args == ["job", "show", "NOPE"]:  # nothing for stdout: a normal error
                assert (proc.returncode, proc.stderr) == (5, "jobctl: error: no such job 'NOPE'\n")
                continue
            assert (proc.returncode, proc.stderr) == (141, ""), (args, proc.stderr)
    finally:
        os.close(write_end)


def test_no_progress_output_when_piped(exe: Runner, connection: redis.Redis) -> None:
    queue = Queue("many", connection=connection, is_async=False)
    for i in range(60):
        queue.enqueue("tests.jobs.fail", f"n{i}")
    result = exe("requeue", "--all", "--yes")
    assert result.code == 0
    assert result.out == ""
    assert result.err == "requeued 60 jobs\n"
    assert Queue("many", connection=connection).count == 60


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["job", "show", "NOPE"], 5, "no such job 'NOPE'"),
        (["enqueue", "mod..fn"], 2, "invalid callable path 'mod..fn': expected module.function"),
        (["--url", "http://h:6379", "jobs"], 2, "invalid Redis URL http://h:6379"),
        (["--url", "redis://127.0.0.1:9/0", "jobs"], 3, "connection refused"),
        (["jobs", "--limit", "0"], 2, "--limit"),
        (["no-such-command"], 2, "No such command"),
    ],
)
def test_errors_are_one_line_on_stderr(
    exe: Runner, args: list[str], code: int, message: str
) -> None:
    result = exe(*args)
    assert result.code == code, result
    assert result.out == ""
    [line] = result.err_lines
    assert line.startswith("jobctl: error: ")
    assert message in line
    verbose = exe("-v", *args)
    assert verbose.code == code
    assert verbose.err_lines[0] == line
    if code != 2 or "Redis URL" in message or "callable" in message:
        assert "Traceback (most recent call last):" in verbose.err


def test_an_unexpected_error_is_not_blamed_on_redis(
    cli: Runner, connection: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a command is reported as itself, not as a "Redis error at ..."."""
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something broke\x1b[2J")

    monkeypatch.setattr(Queue, "pause", broken)
    queued_job(connection, "q")
    result = cli("queue", "pause", "q")
    assert result.code == 1
    assert result.err_lines == ["jobctl: error: something broke\\x1b[2J"]


# --------------------------------------------------------------------------- global options


def test_global_options_before_and_after_the_subcommand(
    exe: Runner, connection: redis.Redis, redis_url: str
) -> None:
    job = queued_job(connection)
    refused = "redis://127.0.0.1:9/0"
    env_points_nowhere = {"JOBCTL_REDIS_URL": refused}
    after = exe("jobs", "--url", redis_url, **env_points_nowhere)
    before = exe("--url", redis_url, "jobs", **env_points_nowhere)
    equals = exe("jobs", f"--url={redis_url}", **env_points_nowhere)
    assert after.code == before.code == equals.code == 0, after
    assert after.out == before.out == equals.out
    assert after.out.startswith(job.id + "\t")
    nested = exe("job", "show", job.id, "-u", redis_url, "--json", **env_points_nowhere)
    assert json.loads(nested.out)["id"] == job.id
    assert exe("jobs", **env_points_nowhere).code == 3  # the env var is used without --url
    assert json.loads(exe("job", "show", job.id, "--json").out)["id"] == job.id


def test_global_flags_after_the_subcommand(cli: Runner, connection: redis.Redis) -> None:
    queued_job(connection)
    quiet = cli("suspend", "--quiet")
    assert (quiet.code, quiet.err) == (0, "")
    assert cli("suspend").err == "workers suspended until 'jobctl resume'\n"
    as_json = cli("queues", "--json")
    assert json.loads(as_json.out)["name"] == "default"
    global_json_after = cli("info", "--no-color", "--json")
    assert json.loads(global_json_after.out)["suspended"] is True
    verbose_after = cli("job", "show", "NOPE", "--verbose")
    assert "Traceback" in verbose_after.err
    # a subcommand's own option wins over a global one of the same name: jobs -q is --queue
    assert cli("jobs", "-q", "default").out_lines[0].split("\t")[3] == "default"


def test_namespace_option_and_env(cli: Runner, connection: redis.Redis,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli("enqueue", "tests.jobs.add", "--namespace", "team-b")
    assert result.code == 0, result
    assert connection.exists(f"{{team-b}}:job:{result.out.strip()}")
    assert cli("jobs").out == ""
    assert cli("--namespace", "team-b", "jobs").out.startswith(result.out.strip())
    monkeypatch.setenv("JOBCTL_NAMESPACE", "team-b")
    assert cli("jobs").out.startswith(result.out.strip())
    bad = cli("jobs", "--namespace", "a:b")
    assert bad.code == 2
    assert "namespace must match" in bad.err


def test_bad_serializer_option(cli: Runner) -> None:
    result = cli("--serializer", "yaml", "jobs")
    assert result.code == 2
    assert "--serializer must be pickle or json" in result.err


# --------------------------------------------------------------------------- exit codes


def test_exit_codes_are_documented_in_help() -> None:
    result = run_exe(["--help"])
    assert result.code == 0
    text = " ".join(result.out.split())
    for code, meaning in [(0, "success"), (1, "the job or operation failed"),
                          (2, "usage or validation error"), (3, "Redis unavailable"),
                          (4, "authentication or permission refused"), (5, "not found"),
                          (6, "conflict"), (7, "a check threshold is violated"),
                          (130, "interrupted")]:
        assert f"{code} {meaning}" in text


def test_ctrl_c_exits_130(connection: redis.Redis, redis_url: str) -> None:
    job = queued_job(connection)
    newest = max(int(c["id"]) for c in connection.client_list())
    proc = subprocess.Popen(
        [str(JOBCTL), "--url", redis_url, "job", "result", job.id, "--wait"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=cli_env(), cwd=REPO,
    )
    try:
        # it is inside its wait loop once Redis has seen it poll the job's status
        wait_until(lambda: any(int(c["id"]) > newest and c.get("cmd") == "hget"
                               for c in connection.client_list()),
                   15, "the CLI to poll the job")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert out == ""
    assert err == "jobctl: interrupted\n"


# --------------------------------------------------------------------------- terminals


def run_in_pty(args: list[str], env: dict[str, str], answer: bytes | None = None,
               timeout: float = 20.0) -> tuple[int, bytes]:
    """Run jobctl with stdin, stdout and stderr on a pseudo-terminal; type ``answer`` once a
    question mark shows up."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(JOBCTL), *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, cwd=REPO, close_fds=True)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if answer is not None and b"?" in output:
                    os.write(master, answer)
                    answer = None
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, output


def test_tables_on_a_terminal_are_rich_and_escaped(
    connection: redis.Redis, redis_url: str
) -> None:
    failed_job(connection, "tty", "[/] [bold]markup\x1b[2J\x1b]52;c;SGk=\x07\u202egnp.exe")
    env = cli_env(JOBCTL_REDIS_URL=redis_url, COLUMNS="250", TERM="xterm-256color")
    code, output = run_in_pty(["jobs", "--no-color"], env)
    assert code == 0, output
    text = output.decode()
    assert "\t" not in text
    assert "id" in text and "status" in text and "error" in text  # a header row
    assert "[/] [bold]markup" in text  # data is never read as Rich markup
    assert "\\x1b[2J" in text
    assert "\x1b[2J" not in text
    assert "\x1b]52" not in text
    assert "\u202e" not in text
    assert "\\u202e" in text


def test_ids_are_never_folded_in_terminal_tables(connection: redis.Redis, redis_url: str) -> None:
    job = failed_job(connection, "tty", "a long error message " * 5)
    code, output = run_in_pty(["jobs"], cli_env(JOBCTL_REDIS_URL=redis_url, COLUMNS="100"))
    assert code == 0, output
    assert job.id in output.decode()


def test_json_on_a_terminal_is_ascii_and_utf8_when_piped(
    exe: Runner, connection: redis.Redis, redis_url: str
) -> None:
    job = failed_job(connection, "tty", "café \u202egnp.exe \x9b31m")
    env = cli_env(JOBCTL_REDIS_URL=redis_url, COLUMNS="250")
    for args in (["jobs", "--json"], ["job", "show", job.id, "--json"],
                 ["job", "result", job.id, "--json"]):
        _code, output = run_in_pty(args, env)
        text = output.decode()
        assert "\u202e" not in text and "\x9b" not in text, args
        assert "caf\\u00e9 \\u202egnp.exe \\u009b31m" in text, (args, text)
        piped = exe(*args)
        assert "café \u202egnp.exe \x9b31m" in piped.out, (args, piped)
        assert json.loads(piped.out.splitlines()[0])["id"] == job.id


def test_a_result_on_a_terminal_is_ascii(connection: redis.Redis, redis_url: str) -> None:
    job = Queue("tty", connection=connection, is_async=False).enqueue(
        "tests.jobs.echo", "\u202eevil\x9b")
    code, output = run_in_pty(["job", "result", job.id], cli_env(JOBCTL_REDIS_URL=redis_url))
    assert code == 0, output
    assert output.decode().strip() == '{"args": ["\\u202eevil\\u009b"], "kwargs": {}}'


def test_burst_worker_shows_progress_on_a_terminal_only(
    exe: Runner, connection: redis.Redis, redis_url: str
) -> None:
    queue = Queue("bar", connection=connection)
    for _ in range(6):
        queue.enqueue("tests.jobs.sleep_for", 0.3)
    queue.enqueue("tests.jobs.fail", "expected")
    env = cli_env(JOBCTL_REDIS_URL=redis_url, COLUMNS="120", TERM="xterm-256color")
    code, output = run_in_pty(["worker", "bar", "--burst", "--no-color"], env, timeout=30)
    text = output.decode(errors="replace")
    assert code == 0, text
    assert "━" in text and "jobs" in text  # Rich's bar, with a "done/total" count
    assert "/7" in text, text
    assert text.count("job ") >= 7, text  # every log line made it through, above the bar
    assert Queue("bar", connection=connection).count == 0
    # piped: the same run prints no bar, no escape sequences, nothing on stdout
    for _ in range(3):
        queue.enqueue("tests.jobs.add", 1, 2)
    for extra in ([], ["--log-format", "json"]):
        piped = exe("worker", "bar", "--burst", *extra)
        assert piped.code == 0, piped
        assert piped.out == ""
        assert "━" not in piped.err and "\x1b" not in piped.err
    # a terminal with --log-format json, --quiet or --json: no bar either
    for extra in (["--log-format", "json"], ["-q"], ["--json"]):
        queue.enqueue("tests.jobs.add", 1, 2)
        code, output = run_in_pty(["worker", "bar", "--burst", *extra], env)
        assert code == 0, output
        assert "━".encode() not in output, (extra, output)


def test_confirmation_on_a_terminal_states_the_count(
    connection: redis.Redis, redis_url: str
) -> None:
    for _ in range(3):
        queued_job(connection, "ask")
    env = cli_env(JOBCTL_REDIS_URL=redis_url)
    code, output = run_in_pty(["queue", "empty", "ask"], env, answer=b"n\n")
    assert b"Remove 3 queued jobs from queue 'ask'? [y/N]" in output
    assert code == 1
    assert Queue("ask", connection=connection).count == 3
    code, output = run_in_pty(["queue", "empty", "ask"], env, answer=b"y\n")
    assert code == 0, output
    assert Queue("ask", connection=connection).count == 0
