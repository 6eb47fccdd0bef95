"""``jobctl worker`` and the worker-control commands with real worker subprocesses:
``workers``, ``worker-stop``, ``worker-kill-horse``, ``job stop``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import redis

from jobctl.job import Job
from jobctl.queue import Queue
from jobctl.status import JobStatus
from tests.cli_support import (  # noqa: F401
    BOX_CHARS,
    Runner,
    cli_env,
    cli_fixture,
    exe_fixture,
    wait_until,
    worker_process,
)


def enqueue(connection: redis.Redis, func: str, *args: Any, queue: str = "default",
            **options: Any) -> Job:
    return Queue(queue, connection=connection).enqueue(func, *args, **options)


def status_of(job: Job) -> JobStatus | None:
    return job.get_status()


def test_burst_worker_runs_jobs_and_names_its_redis(
    exe: Runner, connection: redis.Redis, redis_url: str
) -> None:
    jobs = [enqueue(connection, "tests.jobs.add", 1, i, queue="q1") for i in range(2)]
    jobs.append(enqueue(connection, "tests.jobs.fail", "expected", queue="q2"))
    result = exe("worker", "q1", "q2", "--burst")
    assert result.code == 0, result
    assert result.out == ""
    banner = result.err_lines[0]
    assert f"jobctl worker: redis {redis_url}, namespace jobctl, queues q1, q2" in banner
    assert "fork per job" in banner
    assert banner.endswith("burst")
    assert [status_of(job) for job in jobs] == [JobStatus.FINISHED, JobStatus.FINISHED,
                                                JobStatus.FAILED]
    assert [job.return_value() for job in jobs[:2]] == [1, 2]


def test_no_fork_max_jobs_and_name(exe: Runner, connection: redis.Redis) -> None:
    jobs = [enqueue(connection, "tests.jobs.pid") for _ in range(3)]
    result = exe("worker", "--no-fork", "--max-jobs", "2", "--name", "cli-w1",
                 "--max-idle-time", "20")
    assert result.code == 0, result
    assert "in-process" in result.err_lines[0]
    assert [status_of(job) for job in jobs] == [JobStatus.FINISHED, JobStatus.FINISHED,
                                                JobStatus.QUEUED]
    for job in jobs:
        job.refresh()
    assert {job.worker_name for job in jobs[:2]} == {"cli-w1"}
    # in-process: both jobs ran in the same process (the worker's)
    assert jobs[0].return_value() == jobs[1].return_value()


def test_worker_allow_refuses_a_job_outside_the_prefix(
    exe: Runner, cli: Runner, connection: redis.Redis, tmp_path: Path
) -> None:
    marker = tmp_path / "imported.txt"
    (tmp_path / "cli_marker_mod.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n\ndef fn():\n    return 1\n"
    )
    forged = cli("enqueue", "cli_marker_mod.fn", "--no-import-check", "--quiet")
    assert forged.code == 0, forged
    allowed = enqueue(connection, "tests.jobs.add", 2, 2)
    result = exe("worker", "--burst", "--allow", "tests.jobs", "--path", str(tmp_path))
    assert result.code == 0, result
    job = Job.fetch(forged.out.strip(), connection=connection)
    assert job.get_status() == JobStatus.FAILED
    assert "not allowed" in (job.exc_info or "")
    assert not marker.exists(), "the worker imported a module outside --allow"
    assert status_of(allowed) == JobStatus.FINISHED


def test_paused_queue_is_not_worked(exe: Runner, cli: Runner, connection: redis.Redis) -> None:
    job = enqueue(connection, "tests.jobs.add", 1, 1, queue="held")
    assert cli("queue", "pause", "held").code == 0
    assert exe("worker", "held", "--burst").code == 0
    assert status_of(job) == JobStatus.QUEUED
    assert cli("queue", "resume", "held").code == 0
    assert exe("worker", "held", "--burst").code == 0
    assert status_of(job) == JobStatus.FINISHED


def _listed(cli: Runner, *names: str) -> list[dict[str, Any]] | None:
    result = cli("workers", "--json")
    assert result.code == 0, result
    documents = [json.loads(line) for line in result.out_lines]
    return documents if {d["name"] for d in documents} >= set(names) else None


def test_workers_and_worker_stop(
    cli: Runner, exe: Runner, connection: redis.Redis, redis_url: str, tmp_path: Path
) -> None:
    env = cli_env(JOBCTL_REDIS_URL=redis_url)
    with worker_process(["--name", "idle-a"], tmp_path, env) as a, \
            worker_process(["--name", "idle-b", "--no-fork", "other"], tmp_path, env) as b:
        documents = wait_until(lambda: _listed(cli, "idle-a", "idle-b"), 15, "two workers")
        by_name = {d["name"]: d for d in documents}
        assert by_name["idle-a"]["pid"] == a.proc.pid
        assert by_name["idle-a"]["state"] == "idle"
        assert by_name["idle-a"]["queues"] == ["default"]
        assert by_name["idle-a"]["mode"] == "fork"
        assert by_name["idle-a"]["jobs_per_horse"] == 1
        assert by_name["idle-b"]["jobs_per_horse"] is None
        assert by_name["idle-b"]["queues"] == ["other"]
        assert by_name["idle-b"]["mode"] == "in-process"
        assert by_name["idle-a"]["birth"].endswith("Z")
        assert by_name["idle-a"]["last_heartbeat"].endswith("Z")
        datetime.fromisoformat(by_name["idle-a"]["birth"])
        table = exe("workers")
        assert table.code == 0
        rows = sorted(line.split("\t") for line in table.out_lines)
        assert [row[0] for row in rows] == ["idle-a", "idle-b"]
        assert rows[0][2:5] == [str(a.proc.pid), "idle", "default"]
        assert not set(table.out) & BOX_CHARS

        refused = exe("worker-stop", "--all")
        assert refused.code == 2
        assert refused.err_lines == [
            "jobctl: error: refusing to stop 2 workers without --yes (stdin is not a terminal)"]
        assert a.proc.poll() is None and b.proc.poll() is None
        assert connection.keys("*:commands") == []  # no command was sent

        stopped = exe("worker-stop", "idle-a")
        assert stopped.code == 0, stopped
        assert a.wait(5) == 0
        assert "shutdown command" in a.log
        assert b.proc.poll() is None  # only the named worker stopped

        everyone = cli("worker-stop", "--all", "--yes")
        assert everyone.code == 0
        assert b.wait(5) == 0
    assert _listed(cli) == []


def test_kill_horse_and_job_stop(
    cli: Runner, exe: Runner, connection: redis.Redis, redis_url: str, tmp_path: Path
) -> None:
    first = enqueue(connection, "tests.jobs.sleep_for", 30)
    second = enqueue(connection, "tests.jobs.sleep_for", 30)
    env = cli_env(JOBCTL_REDIS_URL=redis_url)
    with worker_process(["--name", "horse-owner"], tmp_path, env) as worker:
        wait_until(lambda: status_of(first) == JobStatus.STARTED, 15, "the first job to start")
        killed = exe("worker-kill-horse", "horse-owner")
        assert killed.code == 0, killed
        assert killed.err == "asked worker horse-owner to kill its current job\n"
        wait_until(lambda: status_of(first) == JobStatus.STOPPED, 10, "the first job to stop")

        wait_until(lambda: status_of(second) == JobStatus.STARTED, 10, "the second job")
        stopped = cli("job", "stop", second.id)
        assert stopped.code == 0, stopped
        wait_until(lambda: status_of(second) == JobStatus.STOPPED, 10, "the second job to stop")
        assert worker.proc.poll() is None  # the worker itself goes on

        assert cli("worker-stop", "horse-owner").code == 0
        assert worker.wait(10) == 0


def test_worker_forks_from_its_fork_server_unless_told_not_to(
    exe: Runner, connection: redis.Redis
) -> None:
    """The fork server's children lack redis-py (the server never imports it); the worker's
    own children inherit it."""
    served = [enqueue(connection, "tests.light_jobs.where") for _ in range(2)]
    result = exe("worker", "--burst")
    assert result.code == 0, result
    assert "fork per job (fork server)" in result.err_lines[0]
    assert [job.return_value()["redis_loaded"] for job in served] == [False, False]

    own = [enqueue(connection, "tests.light_jobs.where") for _ in range(2)]
    result = exe("worker", "--burst", "--no-fork-server")
    assert result.code == 0, result
    assert "fork server" not in result.err_lines[0]
    assert [job.return_value()["redis_loaded"] for job in own] == [True, True]
    assert len({job.return_value()["parent"] for job in own}) == 1


def test_worker_reuses_each_forked_process_for_jobs_per_horse_jobs(
    exe: Runner, connection: redis.Redis
) -> None:
    queued = [enqueue(connection, "tests.light_jobs.count_call") for _ in range(3)]
    result = exe("worker", "--burst", "--jobs-per-horse", "2")
    assert result.code == 0, result
    assert "fork per 2 jobs (fork server)" in result.err_lines[0]
    ran = [job.return_value() for job in queued]
    assert [r["calls"] for r in ran] == [1, 2, 1]
    assert ran[0]["pid"] == ran[1]["pid"] != ran[2]["pid"]


def test_jobs_per_horse_is_refused_for_an_in_process_worker(
    exe: Runner, connection: redis.Redis
) -> None:
    waiting = enqueue(connection, "tests.jobs.add", 1, 2)
    refused = exe("worker", "--burst", "--no-fork", "--jobs-per-horse", "2")
    assert refused.code == 2
    assert len(refused.err_lines) == 1
    assert "--jobs-per-horse applies to forking workers, not --no-fork" in refused.err_lines[0]
    assert status_of(waiting) == JobStatus.QUEUED
    assert connection.scard("jobctl:workers") == 0 and connection.keys("jobctl:worker:*") == []
