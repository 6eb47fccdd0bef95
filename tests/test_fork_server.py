"""The fork server (jobctl.forkserver): a small process that forks every work-horse of a
forking worker. Jobs run in its children, which start without redis-py and with the modules
earlier jobs imported; they still reach Redis and the whole package when they ask; the
worker still watches, kills and settles them; and when the server goes, the worker forks its
work-horses itself."""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from jobctl import JobStatus, Queue, Worker
from jobctl.connection_recipe import ConnectionRecipe
from tests import jobs, light_jobs
from tests.polling import live_children, wait_until
from tests.reliability_support import Fleet, alive


def _burst(q: Queue, connection: redis.Redis, **options: object) -> None:
    Worker([q], connection=connection, fork_server=True, **options).work(burst=True)


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def test_jobs_run_in_fresh_children_of_a_server_without_redis_py(connection):
    q = Queue(connection=connection)
    queued = [q.enqueue(light_jobs.where) for _ in range(4)]
    before = live_children()
    _burst(q, connection)
    ran = [job.return_value() for job in queued]
    servers = {r["parent"] for r in ran}
    assert len(servers) == 1 and os.getpid() not in servers, ran
    assert len({r["pid"] for r in ran}) == 4, "a fresh process per job"
    assert not any(r["redis_loaded"] for r in ran), "the server and its children lack redis-py"
    assert ran[0]["imported_in"] == ran[0]["pid"], "the first job imports its module itself"
    assert ran[3]["imported_in"] == ran[3]["parent"], "later ones get it from the server"
    assert live_children() - before == set(), "the server and its last standby are gone"


def test_a_job_reaches_redis_and_the_whole_package_through_its_job(connection):
    q = Queue(connection=connection)
    job = q.enqueue(light_jobs.uses_jobctl, "jobctl:test:seen", on_success=jobs.record_success)
    _burst(q, connection)
    assert job.get_status() == JobStatus.FINISHED, job.exc_info
    assert job.return_value() == "ok"
    assert connection.get("jobctl:test:seen") == job.id.encode()
    assert connection.lrange(jobs.CALLBACK_LOG, 0, -1) == [f"success:{job.id}:ok".encode()]


def test_a_work_horse_killed_by_a_signal_is_reported_as_such(connection):
    q = Queue(connection=connection)
    job = q.enqueue(light_jobs.die_by_signal)
    after = q.enqueue(jobs.add, 2, 3)
    _burst(q, connection)
    assert job.get_status() == JobStatus.FAILED
    assert "work-horse terminated unexpectedly (killed by signal 9)" in job.exc_info
    assert after.return_value() == 5


def test_the_hard_limit_kills_a_child_of_the_server(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.block_sigalrm, 8, job_timeout=1)
    _burst(q, connection, hard_kill_grace=1)
    assert job.get_status() == JobStatus.FAILED
    assert "killed after 2 seconds" in job.exc_info


def test_when_the_server_dies_the_worker_forks_its_work_horses_itself(connection, caplog,
                                                                     monkeypatch):
    # ``jobctl worker`` run in-process by earlier tests gives the "jobctl" logger a handler of
    # its own and stops propagation; let the warning reach caplog's handler again
    monkeypatch.setattr(logging.getLogger("jobctl"), "propagate", True)
    monkeypatch.setattr(logging.getLogger("jobctl"), "handlers", [])
    q = Queue(connection=connection)
    killer = q.enqueue(light_jobs.kill_own_parent)
    later = [q.enqueue(light_jobs.where) for _ in range(3)]
    with caplog.at_level(logging.WARNING, logger="jobctl.forkserver"):
        _burst(q, connection)
    # the work-horse dies with its server (parent-death signal), so its job fails
    assert killer.get_status() == JobStatus.FAILED
    assert "work-horse terminated unexpectedly" in killer.exc_info
    assert [job.get_status() for job in later] == [JobStatus.FINISHED] * 3
    assert {job.return_value()["parent"] for job in later} == {os.getpid()}
    assert "fork server lost" in caplog.text


def test_a_connection_whose_settings_cannot_be_copied_keeps_work_horses_in_the_worker(
    connection, redis_url
):
    class Credentials(redis.CredentialProvider):
        def get_credentials(self) -> tuple[str]:
            return ("",)

    assert ConnectionRecipe.of(redis.Redis(credential_provider=Credentials())) is None
    q = Queue(connection=connection)
    job = q.enqueue(light_jobs.where)
    own = redis.Redis.from_url(redis_url, credential_provider=Credentials())
    try:
        Worker([q], connection=own, fork_server=True).work(burst=True)
    finally:
        own.close()
    assert job.return_value()["parent"] == os.getpid()


@pytest.mark.parametrize("url", ["redis://:secret@127.0.0.1:1234/3", "unix:///tmp/r.sock?db=2"])
def test_a_recipe_rebuilds_a_client_with_the_same_settings(url):
    original = redis.Redis.from_url(url, socket_timeout=7)
    recipe = ConnectionRecipe.of(original)
    assert recipe is not None
    rebuilt = pickle.loads(pickle.dumps(recipe)).connect()
    want = original.connection_pool.connection_kwargs
    got = rebuilt.connection_pool.connection_kwargs
    for name in ("host", "port", "path", "db", "password", "socket_timeout"):
        assert got.get(name) == want.get(name), name
    assert rebuilt.connection_pool.connection_class is original.connection_pool.connection_class


def test_the_server_starts_without_redis_py_or_the_package_init():
    probe = (
        "import importlib.util, sys\n"
        "package = importlib.util.module_from_spec(importlib.util.find_spec('jobctl'))\n"
        "sys.modules['jobctl'] = package\n"
        "import jobctl.forkserver_process\n"
        "heavy = ('redis', 'jobctl.queue', 'jobctl.worker', 'logging', 'subprocess', 'threading')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=Path(__file__).parent.parent, check=True)
    assert shown.stdout.strip() == "[]", shown.stdout + shown.stderr


def test_a_killed_worker_takes_the_server_and_the_running_job_with_it(
    redis_url, connection, tmp_path
):
    pid_file = tmp_path / "horse.pid"
    job = Queue(connection=connection).enqueue(light_jobs.note_pid_and_sleep, str(pid_file), 60)
    with Fleet(redis_url, tmp_path, connection) as fleet:
        worker = fleet.start()
        horse = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), 20,
                               "the job to start"))
        server = _parent_of(horse)
        assert server != worker.pid and _parent_of(server) == worker.pid
        os.kill(worker.pid, signal.SIGKILL)  # the worker alone, not its process group
        worker.process.wait(10)
        wait_until(lambda: not alive(horse) and not alive(server), 10,
                   "the server and the job's process to die with the worker")
    assert job.get_status() == JobStatus.STARTED  # settled later by the reaper, as before
