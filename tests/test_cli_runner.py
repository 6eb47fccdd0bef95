"""Every command of the tree through ``typer.testing.CliRunner`` against the real Redis.

The other CLI tests go through ``main()`` (exit-code mapping, option hoisting) or the installed
executable; these drive the Typer app itself, as a user embedding it would, so each command's
own wiring is exercised on its own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from jobctl import JobStatus, Queue
from jobctl.cli.app import app
from tests.polling import wait_until

runner = CliRunner()


def ok(url: str, *args: str) -> str:
    result = runner.invoke(app, ["--url", url, *args])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


@pytest.fixture
def url(redis_url: str, connection: redis.Redis) -> str:
    return redis_url


def test_enqueue_worker_result_and_info(url: str, connection: redis.Redis) -> None:
    job_id = ok(url, "enqueue", "tests.jobs.add", "--arg", ":2", "--arg", ":3", "--quiet").strip()
    failing = ok(url, "enqueue", "tests.jobs.fail", "--queue", "other", "--quiet").strip()
    ok(url, "worker", "default", "other", "--burst", "--log-level", "error")
    assert ok(url, "job", "result", job_id).strip() == "5"
    info = json.loads(ok(url, "info", "--json"))
    assert info["totals"]["finished"] == 1 and info["totals"]["failed"] == 1
    names = [json.loads(line)["name"] for line in ok(url, "queues", "--json").splitlines()]
    assert names == ["default", "other"]
    listed = [json.loads(line)["id"] for line in
              ok(url, "jobs", "--status", "failed", "--json").splitlines()]
    assert listed == [failing]
    shown = json.loads(ok(url, "job", "show", failing, "--json"))
    assert shown["status"] == "failed" and "ValueError" in shown["exc_info"]
    assert ok(url, "check", "--max-failed", "5").strip() == ""
    assert runner.invoke(app, ["--url", url, "check", "--max-failed", "0"]).exit_code == 7


def test_queue_group(url: str, connection: redis.Redis) -> None:
    ok(url, "enqueue", "tests.jobs.add", "--arg", ":1", "--arg", ":1", "--queue", "q1")
    assert json.loads(ok(url, "queue", "show", "q1", "--json"))["queued"] == 1
    ok(url, "queue", "pause", "q1")
    assert Queue("q1", connection=connection).is_paused
    ok(url, "queue", "resume", "q1")
    assert not Queue("q1", connection=connection).is_paused
    ok(url, "queue", "empty", "q1", "--yes")
    assert len(Queue("q1", connection=connection)) == 0
    ok(url, "queue", "delete", "q1", "--yes")
    assert b"q1" not in connection.smembers("{jobctl}:queues")


def test_job_group_and_bulk_commands(url: str, connection: redis.Redis) -> None:
    queued = ok(url, "enqueue", "tests.jobs.add", "--arg", ":1", "--arg", ":1", "--quiet").strip()
    ok(url, "job", "cancel", queued)
    assert Queue(connection=connection).fetch_job(queued).get_status() == JobStatus.CANCELED
    ok(url, "job", "requeue", queued)
    stop = runner.invoke(app, ["--url", url, "job", "stop", queued])
    assert stop.exit_code == 1  # not running: refused with a message, nothing changed
    ok(url, "job", "delete", queued, "--yes")
    assert not connection.exists(f"{{jobctl}}:job:{queued}")

    failing = ok(url, "enqueue", "tests.jobs.fail", "--quiet").strip()
    ok(url, "worker", "--burst", "--log-level", "error")
    assert "would requeue 1" in ok(url, "requeue", "--all", "--dry-run")
    ok(url, "requeue", "--all", "--yes")
    ok(url, "worker", "--burst", "--log-level", "error")
    ok(url, "purge", "failed", "--yes")
    assert not connection.exists(f"{{jobctl}}:job:{failing}")


def test_worker_control_commands(url: str, connection: redis.Redis) -> None:
    ok(url, "suspend", "--duration", "30s")
    assert connection.exists("{jobctl}:suspended")
    ok(url, "resume")
    assert not connection.exists("{jobctl}:suspended")

    env = {**os.environ, "JOBCTL_REDIS_URL": url}
    jobctl = Path(sys.executable).with_name("jobctl")
    proc = subprocess.Popen([str(jobctl), "worker", "--name", "w1", "--log-level", "error"],
                            env=env, start_new_session=True)
    try:
        wait_until(lambda: connection.exists("{jobctl}:worker:w1"), 15, "worker w1")
        rows = [json.loads(line) for line in ok(url, "workers", "--json").splitlines()]
        assert [row["name"] for row in rows] == ["w1"]
        ok(url, "worker-kill-horse", "w1")  # idle: nothing to kill, the command is accepted
        ok(url, "worker-stop", "w1")
        wait_until(lambda: proc.poll() is not None, 15, "worker w1 to stop")
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_server_and_top_are_wired(url: str) -> None:
    status = json.loads(ok(url, "server", "status", "--json"))
    assert status["running"] is False
    help_text = ok(url, "top", "--help")
    assert "--readonly" in help_text and "--interval" in help_text
