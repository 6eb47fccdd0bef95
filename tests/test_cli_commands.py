"""The inspection and management commands end to end against a real Redis: ``info``,
``queues``, ``queue ...``, ``jobs``, ``job ...``, ``requeue``, ``purge``, ``suspend``/``resume``,
``check`` and ``server status``."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
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
    redis_state,
    run_exe,
)

JOB_FIELDS = {"id", "func", "status", "queue", "description", "created_at", "enqueued_at",
              "started_at", "ended_at", "worker", "timeout", "error"}
QUEUE_FIELDS = {"name", "paused", "queued", "started", "deferred", "scheduled", "failed",
                "finished", "canceled", "oldest_enqueued_at", "oldest_age_seconds",
                "finished_last_minute"}


def finished(connection: redis.Redis, queue: str = "default", *args: Any) -> Job:
    """A job a (synchronous) queue has run successfully."""
    job = Queue(queue, connection=connection, is_async=False).enqueue(
        "tests.jobs.add", *(args or (1, 2)))
    assert job.get_status() == JobStatus.FINISHED
    return job


def failed(connection: redis.Redis, queue: str = "default", message: str = "boom") -> Job:
    job = Queue(queue, connection=connection, is_async=False).enqueue("tests.jobs.fail", message)
    assert job.get_status() == JobStatus.FAILED
    return job


def queued(connection: redis.Redis, queue: str = "default", func: str = "tests.jobs.add",
           **options: Any) -> Job:
    return Queue(queue, connection=connection).enqueue(func, 1, 2, **options)


def is_utc_iso(value: str) -> bool:
    return value.endswith("Z") and datetime.fromisoformat(value).utcoffset() is not None


# --------------------------------------------------------------------------- info, queues


def test_info_plain_and_json(cli: Runner, connection: redis.Redis) -> None:
    queued(connection, "alpha")
    queued(connection, "alpha")
    failed(connection, "beta")
    finished(connection, "beta")
    plain = cli("info")
    assert plain.code == 0, plain
    rows = [line.split("\t") for line in plain.out_lines]
    assert rows[0][:9] == ["alpha", "no", "2", "0", "0", "0", "0", "0", "0"]
    assert rows[1][:9] == ["beta", "no", "0", "0", "0", "0", "1", "1", "0"]
    as_json = cli("info", "--json")
    assert as_json.code == 0
    document = json.loads(as_json.out)
    assert set(document) == {"namespace", "taken_at", "suspended", "totals", "queues", "workers"}
    assert document["namespace"] == "jobctl"
    assert is_utc_iso(document["taken_at"])
    assert document["suspended"] is False
    assert document["totals"]["queued"] == 2
    assert document["totals"]["failed"] == 1
    assert document["totals"]["finished"] == 1
    assert [q["name"] for q in document["queues"]] == ["alpha", "beta"]
    assert all(set(q) == QUEUE_FIELDS for q in document["queues"])
    assert is_utc_iso(document["queues"][0]["oldest_enqueued_at"])
    assert document["workers"] == []


def test_queues_plain_and_json_lines(cli: Runner, connection: redis.Redis) -> None:
    queued(connection, "q1")
    queued(connection, "q2")
    queued(connection, "q2")
    plain = cli("queues")
    assert [line.split("\t")[:3] for line in plain.out_lines] == [["q1", "no", "1"],
                                                                  ["q2", "no", "2"]]
    lines = cli("queues", "--json").out_lines
    documents = [json.loads(line) for line in lines]
    assert [(d["name"], d["queued"]) for d in documents] == [("q1", 1), ("q2", 2)]
    assert all(set(d) == QUEUE_FIELDS for d in documents)


def test_queue_show(cli: Runner, connection: redis.Redis) -> None:
    first = queued(connection, "mail")
    second = queued(connection, "mail")
    plain = cli("queue", "show", "mail")
    assert plain.code == 0, plain
    assert "queue\tmail" in plain.out_lines
    assert "queued\t2" in plain.out_lines
    assert [line.split("\t")[0] for line in plain.out_lines if "\ttests.jobs.add\t" in line] == [
        first.id, second.id]
    document = json.loads(cli("queue", "show", "mail", "--json", "--limit", "1").out)
    assert document["name"] == "mail"
    assert document["queued"] == 2
    assert [j["id"] for j in document["next_jobs"]] == [first.id]
    assert set(document["next_jobs"][0]) == JOB_FIELDS


def test_queue_empty_and_delete(cli: Runner, connection: redis.Redis) -> None:
    jobs = [queued(connection, "bulk") for _ in range(3)]
    keep = finished(connection, "bulk")
    dry = cli("queue", "empty", "bulk", "--dry-run")
    assert dry.code == 0
    assert dry.out == "would remove 3 queued jobs from 'bulk'\n"
    assert Queue("bulk", connection=connection).count == 3
    done = cli("queue", "empty", "bulk", "--yes")
    assert done.code == 0, done
    assert Queue("bulk", connection=connection).count == 0
    assert not any(connection.exists(job.key) for job in jobs)
    assert connection.exists(keep.key)  # finished jobs are kept

    queued(connection, "bulk")
    dry = cli("queue", "delete", "bulk", "--dry-run")
    assert dry.out == "would delete queue 'bulk' and 1 queued job\n"
    deleted = cli("queue", "delete", "bulk", "-y")
    assert deleted.code == 0, deleted
    assert "bulk" not in cli("queues").out
    assert cli("queue", "show", "bulk").code == 5


def test_queue_pause_and_resume(cli: Runner, connection: redis.Redis) -> None:
    queued(connection, "p")
    assert cli("queue", "pause", "p").code == 0
    assert json.loads(cli("queue", "show", "p", "--json").out)["paused"] is True
    assert cli("queues").out.startswith("p\tyes\t")
    assert cli("queue", "resume", "p").code == 0
    assert json.loads(cli("queue", "show", "p", "--json").out)["paused"] is False


# --------------------------------------------------------------------------- jobs


def test_jobs_filters(cli: Runner, connection: redis.Redis) -> None:
    a = queued(connection, "one")
    b = failed(connection, "one", "SMTP refused")
    c = failed(connection, "two", "disk full")
    d = finished(connection, "two")
    e = queued(connection, "two", "tests.jobs.echo")

    def ids(*args: str) -> set[str]:
        result = cli("jobs", *args)
        assert result.code == 0, result
        return {line.split("\t")[0] for line in result.out_lines}

    assert ids() == {a.id, b.id, c.id, d.id, e.id}
    assert ids("--queue", "one") == {a.id, b.id}
    assert ids("--status", "failed") == {b.id, c.id}
    assert ids("-q", "two", "-s", "finished") == {d.id}
    assert ids("--func", "tests.jobs.echo") == {e.id}
    assert ids("--func", "*.fail") == {b.id, c.id}
    assert ids("--func", "tests.jobs.add") == {a.id, d.id}
    assert ids("--exc", "*SMTP*") == {b.id}
    assert ids("--exc", "*ValueError*", "--queue", "two") == {c.id}
    assert ids("--status", "queued", "--func", "*echo*") == {e.id}
    assert len(ids("--limit", "2")) == 2
    assert ids("--queue", "nothing-here") == set()
    # without * ? [ a pattern matches anywhere, ignoring case: as the help says
    assert ids("--func", "ECH") == {e.id}
    assert ids("--exc", "smtp") == {b.id}
    assert ids("--func", "tests.jobs.ech") == {e.id}
    assert ids("--func", "tests.jobs.ech*") == {e.id}
    assert ids("--func", "jobs.ech*") == set()  # a glob must match the whole name
    for command in ("jobs", "requeue"):
        help_text = " ".join(cli(command, "--help").out.split())
        assert "without * ? or [ it matches anywhere: 'mail' finds app.mail.send" in help_text
        assert "without * ? or [ it matches anywhere: 'SMTP' is the same as '*SMTP*'" in help_text


def test_jobs_table_columns_when_piped(cli: Runner, connection: redis.Redis) -> None:
    job = failed(connection, "one", "bad thing")
    [line] = cli("jobs").out_lines
    columns = line.split("\t")
    assert columns[:4] == [job.id, "tests.jobs.fail", "failed", "one"]
    assert columns[-1] == "ValueError: bad thing"
    assert len(columns) == 8


def test_jobs_json_lines(cli: Runner, connection: redis.Redis) -> None:
    job = failed(connection, "one", "bad thing")
    queued(connection, "one", description="hello")
    result = cli("jobs", "--json")
    assert result.code == 0
    documents = [json.loads(line) for line in result.out_lines]
    assert len(documents) == 2
    for document in documents:
        assert set(document) == JOB_FIELDS
        assert is_utc_iso(document["created_at"])
        assert is_utc_iso(document["enqueued_at"])
    [bad] = [d for d in documents if d["id"] == job.id]
    assert bad["status"] == "failed"
    assert bad["error"] == "ValueError: bad thing"
    assert is_utc_iso(bad["started_at"])
    assert is_utc_iso(bad["ended_at"])
    assert [d["description"] for d in documents if d["id"] != job.id] == ["hello"]
    # the global flag gives the same JSON Lines
    assert cli("--json", "jobs").out_lines == result.out_lines


def test_jobs_rejects_an_unknown_status(cli: Runner) -> None:
    result = cli("jobs", "--status", "bogus")
    assert result.code == 2
    assert "--status must be one of: queued, started" in result.err


# --------------------------------------------------------------------------- job ...


def test_job_show(cli: Runner, connection: redis.Redis) -> None:
    job = queued(connection, "q", description="the description", meta={"k": "v"},
                 job_timeout=30)
    plain = cli("job", "show", job.id)
    assert plain.code == 0, plain
    fields = dict(line.split("\t", 1) for line in plain.out_lines)
    assert fields["id"] == job.id
    assert fields["status"] == "queued"
    assert fields["func"] == "tests.jobs.add"
    assert fields["call"] == "tests.jobs.add(1, 2)"
    strings = Queue("q", connection=connection).enqueue("tests.jobs.echo", "12,50", 3, k="v")
    shown = dict(line.split("\t", 1) for line in cli("job", "show", strings.id).out_lines)
    assert shown["call"] == "tests.jobs.echo('12,50', 3, k='v')"  # one string, not 12 and 50
    assert fields["queue"] == "q"
    assert fields["description"] == "the description"
    assert fields["timeout"] == "30"
    document = json.loads(cli("job", "show", job.id, "--json").out)
    assert document["id"] == job.id
    assert document["meta"] == {"k": "v"}
    assert document["timeout"] == 30
    assert is_utc_iso(document["created_at"])
    assert document["result"] is None


def test_job_show_failed_has_the_traceback(cli: Runner, connection: redis.Redis) -> None:
    job = failed(connection, message="kaputt")
    result = cli("job", "show", job.id)
    assert "Traceback (most recent call last):" in result.out
    assert result.out.rstrip().endswith("ValueError: kaputt")
    document = json.loads(cli("job", "show", job.id, "--json").out)
    assert document["status"] == "failed"
    assert document["exc_info"].rstrip().endswith("ValueError: kaputt")


def test_job_result(cli: Runner, connection: redis.Redis) -> None:
    ok = finished(connection, "default", 40, 2)
    result = cli("job", "result", ok.id)
    assert (result.code, result.out) == (0, "42\n")
    waited = cli("job", "result", ok.id, "--wait", "--wait-timeout", "5")
    assert (waited.code, waited.out) == (0, "42\n")
    as_json = json.loads(cli("job", "result", ok.id, "--json").out)
    assert as_json == {"id": ok.id, "status": "finished", "result": 42, "exc_info": None}
    bad = failed(connection, message="nope")
    failed_result = cli("job", "result", bad.id)
    assert failed_result.code == 1
    assert failed_result.out == ""
    assert failed_result.err_lines == [f"jobctl: error: job {bad.id} failed: ValueError: nope"]


@pytest.mark.parametrize("status", ["queued", "deferred", "scheduled", "started"])
def test_job_result_of_an_unfinished_job_says_to_wait(
    cli: Runner, connection: redis.Redis, status: str
) -> None:
    job = queued(connection)
    connection.hset(job.key, mapping={"status": status, "exc_info": "old\nValueError: stale"})
    result = cli("job", "result", job.id)
    assert (result.code, result.out) == (1, ""), result
    assert result.err_lines == [
        f"jobctl: error: job {job.id} is {status} (not finished yet); use --wait"
    ]
    as_json = cli("job", "result", job.id, "--json")
    assert as_json.code == 1
    assert json.loads(as_json.out)["status"] == status


def test_job_result_wait_on_a_corrupted_status(cli: Runner, connection: redis.Redis) -> None:
    job = queued(connection)
    connection.hset(job.key, "status", b"we\xffird")
    for args in ([], ["--wait", "--wait-timeout", "5"]):
        result = cli("job", "result", job.id, *args)
        assert (result.code, result.out) == (1, ""), result
        assert result.err_lines == [
            f"jobctl: error: job {job.id} has an undecodable status 'we\ufffdird'"
        ]
        assert result.elapsed < 3
    as_json = cli("job", "result", job.id, "--wait", "--json")
    assert as_json.code == 1, as_json
    assert json.loads(as_json.out)["status"] == "<undecodable status 'we\ufffdird'>"


def test_job_cancel(cli: Runner, connection: redis.Redis) -> None:
    job = queued(connection)
    result = cli("job", "cancel", job.id)
    assert result.code == 0, result
    assert job.get_status() == JobStatus.CANCELED
    assert Queue(connection=connection).count == 0
    assert connection.zscore("{jobctl}:canceled:default", job.id) is not None
    again = cli("job", "cancel", job.id)
    assert again.code == 1
    assert "cannot cancel job" in again.err


def test_job_delete(cli: Runner, connection: redis.Redis) -> None:
    jobs = [queued(connection), failed(connection)]
    dry = cli("job", "delete", jobs[0].id, jobs[1].id, "--dry-run")
    assert dry.out == f"would delete 2 jobs: {jobs[0].id} {jobs[1].id}\n"
    assert all(connection.exists(job.key) for job in jobs)
    result = cli("job", "delete", jobs[0].id, jobs[1].id, "--yes")
    assert result.code == 0, result
    assert not any(connection.exists(job.key) for job in jobs)
    assert Queue(connection=connection).count == 0
    assert connection.zcard("{jobctl}:failed:default") == 0


def test_job_requeue(cli: Runner, connection: redis.Redis) -> None:
    job = failed(connection)
    result = cli("job", "requeue", job.id)
    assert result.code == 0, result
    assert job.get_status() == JobStatus.QUEUED
    assert Queue(connection=connection).job_ids == [job.id]
    assert cli("job", "requeue", "never-was").code == 5


def test_job_stop_of_a_job_that_is_not_running(cli: Runner, connection: redis.Redis) -> None:
    job = queued(connection)
    result = cli("job", "stop", job.id)
    assert result.code == 1
    assert "not started" in result.err
    assert job.get_status() == JobStatus.QUEUED


def test_job_commands_report_each_missing_id(cli: Runner, connection: redis.Redis) -> None:
    job = queued(connection)
    result = cli("job", "cancel", "missing-1", job.id)
    assert result.code == 5
    assert result.err_lines == ["jobctl: error: no such job 'missing-1'", f"canceled {job.id}"]
    assert job.get_status() == JobStatus.CANCELED  # the good id was still handled


# --------------------------------------------------------------------------- requeue, purge


def test_requeue_by_ids(cli: Runner, connection: redis.Redis) -> None:
    jobs = [failed(connection), failed(connection)]
    result = cli("requeue", jobs[0].id, jobs[1].id)
    assert result.code == 0, result
    assert [job.get_status() for job in jobs] == [JobStatus.QUEUED, JobStatus.QUEUED]
    missing = cli("requeue", "no-such-job")
    assert missing.code == 5
    assert "job no-such-job was not requeued" in missing.err


def test_requeue_by_filter_previews_then_acts(cli: Runner, connection: redis.Redis) -> None:
    smtp = [failed(connection, "mail", "SMTP down") for _ in range(3)]
    other = failed(connection, "mail", "disk full")
    elsewhere = failed(connection, "jobs", "SMTP down")
    before = redis_state(connection)
    dry = cli("requeue", "--queue", "mail", "--exc", "*SMTP*", "--dry-run")
    assert dry.code == 0
    assert dry.out_lines[0] == "would requeue 3 failed jobs in 'mail'"
    assert sorted(dry.out_lines[1:]) == sorted(job.id for job in smtp)
    dry_json = json.loads(cli("requeue", "--all", "--dry-run", "--json").out)
    assert sorted(dry_json["would_requeue"]) == sorted(
        job.id for job in [*smtp, other, elsewhere])
    assert redis_state(connection) == before  # the previews changed nothing

    done = cli("requeue", "--queue", "mail", "--exc", "*SMTP*", "--yes", "--json")
    assert done.code == 0, done
    assert json.loads(done.out) == {"requeued": 3, "skipped": []}
    assert {job.get_status() for job in smtp} == {JobStatus.QUEUED}
    assert other.get_status() == JobStatus.FAILED
    assert elsewhere.get_status() == JobStatus.FAILED

    everything = cli("requeue", "--all", "--yes")
    assert everything.code == 0
    assert everything.err == "requeued 2 jobs\n"
    assert {other.get_status(), elsewhere.get_status()} == {JobStatus.QUEUED}


def test_requeue_by_func(cli: Runner, connection: redis.Redis) -> None:
    job = failed(connection)
    assert cli("requeue", "--func", "tests.jobs.add", "--yes").err == "requeued 0 jobs\n"
    assert cli("requeue", "--func", "*.fail", "--yes").code == 0
    assert job.get_status() == JobStatus.QUEUED


def test_requeue_needs_ids_or_a_filter(cli: Runner) -> None:
    assert cli("requeue").code == 2
    assert cli("requeue", "abc", "--all").code == 2


@pytest.mark.parametrize("registry", ["finished", "failed", "canceled"])
def test_purge(cli: Runner, connection: redis.Redis, registry: str) -> None:
    def make(queue: str) -> Job:
        if registry == "finished":
            return finished(connection, queue)
        if registry == "failed":
            return failed(connection, queue)
        job = queued(connection, queue)
        job.cancel()
        connection.hset(job.key, "ended_at", repr(time.time()))
        return job

    old = [make("a"), make("b")]
    for job in old:
        connection.hset(job.key, "ended_at", repr(time.time() - 3 * 86400))
    new = make("a")
    survivor = queued(connection, "a")
    before = redis_state(connection)
    dry = cli("purge", registry, "--older-than", "2d", "--dry-run")
    assert dry.out == f"would delete 2 {registry} jobs from every queue\n"
    assert redis_state(connection) == before
    scoped = cli("purge", registry, "--older-than", "2d", "--queue", "a", "--yes")
    assert scoped.code == 0, scoped
    assert scoped.err == "deleted 1 job\n"
    assert not connection.exists(old[0].key)
    assert connection.exists(old[1].key)
    everything = cli("purge", registry, "--yes")
    assert everything.err == "deleted 2 jobs\n"
    assert not connection.exists(old[1].key)
    assert not connection.exists(new.key)
    assert connection.exists(survivor.key)


def test_purge_keeps_jobs_whose_end_time_is_corrupted(
    cli: Runner, connection: redis.Redis
) -> None:
    jobs = [failed(connection) for _ in range(5)]
    old = repr(time.time() - 3 * 86400)
    for job, ended_at in zip(jobs, [old, "yesterday", "nan", "inf", b"\xff"], strict=True):
        connection.hset(job.key, "ended_at", ended_at)
    connection.hdel(jobs[0].key, "ended_at")  # a missing end time is purged (nothing to keep)
    gone = failed(connection)
    connection.delete(gone.key)  # a registry entry whose job hash expired is purged too
    dry = cli("purge", "failed", "--older-than", "2d", "--dry-run")
    assert dry.out == "would delete 2 failed jobs from every queue\n", dry
    assert dry.err == (
        "jobctl: warning: kept 4 failed jobs whose end time cannot be read (unknown age), "
        f"e.g. {jobs[1].id}\n"
    )
    done = cli("purge", "failed", "--older-than", "2d", "--yes")
    assert done.code == 0, done
    assert done.err.endswith("deleted 1 job\n")
    assert [connection.exists(j.key) for j in jobs] == [0, 1, 1, 1, 1]
    help_text = " ".join(cli("purge", "--help").out.split())
    assert "whose end time is unreadable (corrupted) are kept" in help_text


def test_purge_rejects_other_registries(cli: Runner) -> None:
    result = cli("purge", "queued", "--yes")
    assert result.code == 2
    assert "finished, failed or canceled" in result.err


# --------------------------------------------------------------------------- suspend, check


def test_suspend_and_resume(cli: Runner, connection: redis.Redis) -> None:
    assert cli("suspend").code == 0
    assert json.loads(cli("info", "--json").out)["suspended"] is True
    assert connection.ttl("{jobctl}:suspended") == -1
    assert cli("resume").code == 0
    assert json.loads(cli("info", "--json").out)["suspended"] is False
    timed = cli("suspend", "--duration", "10m")
    assert timed.code == 0
    assert timed.err == "workers suspended for 10m\n"
    assert 590 <= connection.ttl("{jobctl}:suspended") <= 600
    bad = cli("suspend", "--duration", "soon")
    assert bad.code == 2
    assert "30s, 5m, 2h" in bad.err


def test_check_passes_when_thresholds_hold(cli: Runner, connection: redis.Redis) -> None:
    queued(connection, "q")
    failed(connection, "q")
    result = cli("check", "--max-queued", "1", "--max-failed", "1", "--max-age", "3600",
                 "--min-workers", "0")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert json.loads(cli("check", "--json").out) == {"ok": True, "problems": []}


def test_check_reports_each_violation(cli: Runner, connection: redis.Redis) -> None:
    for _ in range(3):
        queued(connection, "busy")
    failed(connection, "busy")
    failed(connection, "busy")
    calm = queued(connection, "calm")
    connection.hset(calm.key, "enqueued_at", repr(time.time() - 600))  # waiting for 10 min
    result = cli("check", "--max-queued", "2", "--max-failed", "1", "--max-age", "300",
                 "--min-workers", "1")
    assert result.code == 7, result
    assert result.out_lines == [
        "queue 'busy': 3 queued > 2",
        "queue 'busy': 2 failed > 1",
        result.out_lines[2],
        "0 live workers < 1",
    ]
    assert result.out_lines[2].startswith("queue 'calm': oldest job waited 6")
    assert result.out_lines[2].endswith("s > 300s")
    only_calm = cli("check", "--max-queued", "2", "--queue", "calm")
    assert only_calm.code == 0
    as_json = cli("check", "--max-failed", "1", "--json")
    assert as_json.code == 7
    assert json.loads(as_json.out) == {"ok": False, "problems": ["queue 'busy': 2 failed > 1"]}


def test_check_and_info_from_the_executable(exe: Runner, connection: redis.Redis) -> None:
    queued(connection, "q")
    violated = exe("check", "--max-queued", "0")
    assert violated.code == 7
    assert violated.out == "queue 'q': 1 queued > 0\n"
    assert exe("check", "--max-queued", "1").code == 0
    info = exe("info")
    assert info.code == 0
    assert info.out.startswith("q\tno\t1\t")
    assert not set(info.out) & BOX_CHARS
    assert "\x1b" not in info.out


# --------------------------------------------------------------------------- server status


def test_server_status_json_without_starting_anything(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = cli_env(JOBCTL_STATE_DIR=str(state))
    result = run_exe(["server", "status", "--json"], env=env)
    assert result.code == 0, result
    document = json.loads(result.out)
    assert document["running"] is False
    assert document["pid"] is None
    assert document["socket"].startswith(str(state))
    assert document["url"].startswith("unix://")
    assert set(document) == {"running", "url", "pid", "socket", "data_dir", "log_file",
                             "used_memory"}
    plain = run_exe(["server", "status"], env=env)
    assert plain.code == 0
    assert plain.out.splitlines()[0] == "embedded Redis: not running"
    assert not (state / "redis.pid").exists()
