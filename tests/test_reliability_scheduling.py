"""Scheduling and retries (issue #4, item 7): ``enqueue_in``/``enqueue_at`` run after their due
time on a ``--with-scheduler`` worker; with two schedulers each job still runs exactly once (and
one takes over when the other dies); ``Retry(max=2, interval=[1, 2])`` honours its pauses."""

from __future__ import annotations

import collections
import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis

from jobctl import JobStatus, Queue, Retry
from jobctl.scheduler import Scheduler
from tests import reliability_jobs as rjobs
from tests.reliability_support import KEYS, LEASE, Fleet, job_field, wait_for

LATE = 2.5
"""Most seconds a due job may wait for a scheduler pass and a worker (1 s passes, slack)."""


@pytest.fixture
def fleet(redis_url, tmp_path, connection):
    with Fleet(redis_url, tmp_path, connection) as fleet:
        yield fleet


def _stamps(connection, key: str) -> dict[str, list[float]]:
    """Start times of each job's executions, from ``stamp_run`` entries."""
    runs: dict[str, list[float]] = collections.defaultdict(list)
    for entry in connection.lrange(key, 0, -1):
        job_id, moment = entry.decode().split(":")
        runs[job_id].append(float(moment))
    return runs


def test_enqueue_in_and_enqueue_at_run_after_their_due_time(connection, fleet):
    fleet.start("--with-scheduler")
    q = Queue(connection=connection)
    due_in = time.time() + 1.0
    later = q.enqueue_in(timedelta(seconds=1), rjobs.stamp_run, "runs")
    due_at = time.time() + 1.5
    at = q.enqueue_at(datetime.fromtimestamp(due_at, UTC), rjobs.stamp_run, "runs")
    assert later.get_status() == JobStatus.SCHEDULED
    assert at.get_status() == JobStatus.SCHEDULED
    wait_for(lambda: later.get_status() == at.get_status() == JobStatus.FINISHED, 10,
             "the scheduled jobs to run")
    runs = _stamps(connection, "runs")
    assert due_in <= runs[later.id][0] < due_in + LATE
    assert due_at <= runs[at.id][0] < due_at + LATE
    assert [len(r) for r in runs.values()] == [1, 1]


def test_without_a_scheduler_scheduled_jobs_wait(connection, fleet):
    fleet.start()
    q = Queue(connection=connection)
    job = q.enqueue_in(timedelta(seconds=0), rjobs.stamp_run, "runs")
    ran = q.enqueue(rjobs.stamp_run, "runs")
    wait_for(lambda: ran.get_status() == JobStatus.FINISHED, 10, "the plain job")
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.id in q.scheduled_job_registry


def test_two_schedulers_run_each_scheduled_job_exactly_once(connection, fleet):
    first = fleet.start("--with-scheduler", name="sched-a")
    second = fleet.start("--with-scheduler", name="sched-b")
    q = Queue(connection=connection)
    batch = [q.enqueue_in(timedelta(seconds=1), rjobs.stamp_run, "runs") for _ in range(40)]
    wait_for(lambda: all(j.get_status() == JobStatus.FINISHED for j in batch), 15,
             "the first batch to run")

    # The scheduler holding the lock dies: the other one takes over within about a lease.
    holder = connection.get(KEYS.lock("scheduler:default")).decode()
    victim, survivor = (first, second) if holder == first.name else (second, first)
    victim.kill_group()
    due = time.time() + 1.0
    more = [q.enqueue_in(timedelta(seconds=1), rjobs.stamp_run, "runs") for _ in range(40)]
    wait_for(lambda: all(j.get_status() == JobStatus.FINISHED for j in more), 15,
             "the second batch to run after the lock holder died")
    runs = _stamps(connection, "runs")
    assert sorted(runs) == sorted(j.id for j in batch + more)
    assert all(len(starts) == 1 for starts in runs.values())
    assert max(runs[j.id][0] for j in more) < due + LEASE + 3 * LATE
    assert {job_field(connection, j.id, "worker") for j in more} == {survivor.name}


def test_the_release_script_moves_each_job_once_under_concurrent_schedulers(connection,
                                                                            redis_url):
    """Two schedulers racing without the lock (as after a lock expiry): still exactly once."""
    q = Queue(connection=connection)
    batch = [q.enqueue_in(timedelta(seconds=0), rjobs.stamp_run, "runs") for _ in range(600)]
    moved: list[int] = []
    start = threading.Barrier(2)

    def race(owner: str) -> None:
        client = redis.Redis.from_url(redis_url)
        scheduler = Scheduler(client, KEYS, ["default"], owner)
        start.wait()
        while client.zcard(KEYS.registry("scheduled", "default")):
            moved.append(scheduler.enqueue_due_in("default"))
        client.close()

    threads = [threading.Thread(target=race, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    queued = [i.decode() for i in connection.lrange(KEYS.queue("default"), 0, -1)]
    assert sum(moved) == len(batch)
    assert sorted(queued) == sorted(j.id for j in batch)
    assert all(j.get_status() == JobStatus.QUEUED for j in batch)


def test_retry_intervals_are_honoured(connection, fleet):
    fleet.start("--with-scheduler")
    q = Queue(connection=connection)
    job = q.enqueue(rjobs.stamp_and_fail, "attempts", retry=Retry(max=2, interval=[1, 2]))
    wait_for(lambda: job.get_status() == JobStatus.FAILED and connection.llen("attempts") == 3,
             15, "three attempts")
    starts = [float(s) for s in connection.lrange("attempts", 0, -1)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    print(f"\nretry gaps: {', '.join(f'{g:.2f} s' for g in gaps)}")
    assert gaps[0] >= 1.0
    assert gaps[1] >= 2.0
    assert gaps[0] < 1.0 + LATE
    assert gaps[1] < 2.0 + LATE
    assert job_field(connection, job.id, "retries_left") == "0"
    assert job.id in q.failed_job_registry
