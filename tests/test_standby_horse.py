"""The forking worker hands each job to a fresh child forked ahead of it (jobctl.horse
StandbyHorses): the job runs in a process that existed before it was handed over, a standby
that died while waiting costs a fork instead of the job, and a stopping worker leaves no
child behind."""

from __future__ import annotations

import os
import signal

from jobctl import JobStatus, Queue, Worker
from jobctl.execution import Outcome
from jobctl.horse import HorseWatch, LocalForks, StandbyHorses
from tests import jobs
from tests.polling import live_children, wait_until


def _report_pid(message: bytes) -> Outcome:
    """The work a child does in these tests: say which process it is."""
    return Outcome(JobStatus.FINISHED, result=message + b" %d" % os.getpid())


WATCH = HorseWatch(on_tick=lambda: "", cold_shutdown=lambda: False, tick=0.2)


def _ran_in(outcome: Outcome, message: bytes) -> int:
    assert outcome.status == JobStatus.FINISHED, outcome.exc_info
    name, pid = outcome.result.split()
    assert name == message
    return int(pid)


def test_the_next_job_runs_in_a_child_forked_before_it(connection):
    before = live_children()
    horses = StandbyHorses(LocalForks(_report_pid))
    try:
        first = _ran_in(horses.run(b"one", WATCH, 10), b"one")
        standby = live_children() - before - {first}
        assert len(standby) == 1, "a standby child waits for the next job"
        second = _ran_in(horses.run(b"two", WATCH, 10), b"two")
        assert {second} == standby
        assert len({os.getpid(), first, second}) == 3  # a fresh process per job
    finally:
        horses.close()


def test_a_standby_that_died_while_waiting_costs_a_fork_not_the_job(connection):
    before = live_children()
    horses = StandbyHorses(LocalForks(_report_pid))
    try:
        first = _ran_in(horses.run(b"one", WATCH, 10), b"one")
        [standby] = live_children() - before - {first}
        os.kill(standby, signal.SIGKILL)
        wait_until(lambda: standby not in live_children(), 5, "the standby to die")
        second = _ran_in(horses.run(b"two", WATCH, 10), b"two")
        assert second not in (standby, first, os.getpid())
    finally:
        horses.close()


def test_a_stopping_worker_leaves_no_child_behind(connection):
    q = Queue(connection=connection)
    ids = [q.enqueue(jobs.pid).id for _ in range(3)]
    before = live_children()
    Worker([q], connection=connection).work(burst=True)
    pids = [q.fetch_job(i).return_value() for i in ids]
    assert len(set(pids)) == 3 and os.getpid() not in pids
    assert live_children() - before == set()
