"""Work-horses reused for several jobs (``jobs_per_horse``): each child runs that many jobs in
turn, forked by the worker or by its fork server; a child that crashes, overruns its hard
limit or dies while it waits is replaced, and only its own job (if any) fails."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator

import pytest
import redis

from jobctl import JobStatus, Queue, Worker
from jobctl.execution import Outcome, job_message
from jobctl.forkserver import ForkServer
from jobctl.horse import HorseWatch, LocalForks, Spawner, StandbyHorses
from jobctl.serializers import resolve_serializer
from tests import jobs, light_jobs
from tests.polling import live_children, wait_until


@pytest.fixture(params=[False, True], ids=["worker-forks", "fork-server"])
def fork_server(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_each_child_runs_up_to_n_jobs_in_turn_and_keeps_its_state(connection, fork_server):
    q = Queue(connection=connection)
    queued = [q.enqueue(light_jobs.count_call) for _ in range(7)]
    before = live_children()
    Worker([q], connection=connection, fork_server=fork_server,
           jobs_per_horse=3).work(burst=True)
    ran = [job.return_value() for job in queued]
    assert [r["calls"] for r in ran] == [1, 2, 3, 1, 2, 3, 1], "3 jobs per child, in turn"
    pids = [r["pid"] for r in ran]
    assert len(set(pids)) == 3 and pids[0:3] == [pids[0]] * 3 and pids[3:6] == [pids[3]] * 3
    assert os.getpid() not in pids
    assert live_children() - before == set(), "the kept child exits when the worker stops"


def test_a_crash_or_a_hard_kill_costs_only_that_child_and_its_job(connection, fork_server):
    q = Queue(connection=connection)
    first = q.enqueue(light_jobs.count_call)
    crash = q.enqueue(light_jobs.die_by_signal)
    after_crash = q.enqueue(light_jobs.count_call)
    overrun = q.enqueue(jobs.block_sigalrm, 8, job_timeout=1)
    after_kill = [q.enqueue(light_jobs.count_call) for _ in range(2)]
    Worker([q], connection=connection, fork_server=fork_server, jobs_per_horse=10,
           hard_kill_grace=1).work(burst=True)

    assert crash.get_status() == JobStatus.FAILED
    assert "work-horse terminated unexpectedly (killed by signal 9)" in crash.exc_info
    assert overrun.get_status() == JobStatus.FAILED
    assert "killed after 2 seconds" in overrun.exc_info
    assert first.return_value()["calls"] == 1
    assert after_crash.return_value()["calls"] == 1, "a fresh child after the crash"
    assert after_crash.return_value()["pid"] != first.return_value()["pid"]
    assert [job.return_value()["calls"] for job in after_kill] == [1, 2], \
        "a fresh child after the hard kill, then kept"


SpawnerFactory = Callable[[redis.Redis], Spawner]


def _own_forks(connection: redis.Redis) -> Spawner:
    return LocalForks(Worker(connection=connection)._run_message)


def _fork_server(connection: redis.Redis) -> Spawner:
    worker = Worker(connection=connection)
    settings = {"connection": connection, "keys": worker.keys,
                "serializer": worker.serializer, "allow": ()}
    server = ForkServer.start(worker._run_message, settings, reply_timeout=5)
    assert server is not None
    return server


@pytest.fixture(params=[_own_forks, _fork_server], ids=["worker-forks", "fork-server"])
def horses(request: pytest.FixtureRequest, connection: redis.Redis) -> Iterator[StandbyHorses]:
    kept = StandbyHorses(request.param(connection), jobs_per_horse=5)
    yield kept
    kept.close()


def _gone(pid: int) -> bool:
    """Exited: no process, or a zombie its parent has not reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _run(horses: StandbyHorses, q: Queue) -> dict[str, int]:
    job = q.enqueue(light_jobs.count_call)
    watch = HorseWatch(on_tick=lambda: "", cold_shutdown=lambda: False)
    outcome: Outcome = horses.run(job_message(job), watch, hard_limit=30)
    assert outcome.status == JobStatus.FINISHED, outcome.exc_info
    value: dict[str, int] = resolve_serializer(None).loads(outcome.result)
    return value


def test_a_kept_child_that_died_while_it_waited_is_replaced_before_the_job(connection, horses):
    q = Queue(connection=connection)
    first = _run(horses, q)
    assert _run(horses, q) == {"pid": first["pid"], "calls": 2}
    os.kill(first["pid"], signal.SIGKILL)
    wait_until(lambda: _gone(first["pid"]), 10, "the kept child to die")
    replaced = _run(horses, q)
    assert replaced["pid"] != first["pid"] and replaced["calls"] == 1


def test_the_worker_record_says_how_many_jobs_each_child_runs(connection):
    worker = Worker(connection=connection, name="reusing", jobs_per_horse=4)
    worker.register()
    try:
        [info] = Worker.all(connection=connection)
        assert (info.name, info.mode, info.jobs_per_horse) == ("reusing", "fork", 4)
    finally:
        worker.unregister()


def test_jobs_per_horse_below_one_is_refused(connection):
    with pytest.raises(ValueError, match="jobs_per_horse must be at least 1, not 0"):
        Worker(connection=connection, jobs_per_horse=0)
