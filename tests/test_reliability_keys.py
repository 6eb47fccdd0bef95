"""Keys stay bounded (issue #4, item 9): after a run with every kind of outcome (finished,
failed, retried, stopped, abandoned by a killed worker, scheduled, deleted on finish, released
dependents), every key either has a TTL or is a bounded structure some code owns; a dead
worker's record expires after its lease and ``prune_workers`` forgets it."""

from __future__ import annotations

import math
import signal
import time
from datetime import timedelta

import pytest

from jobctl import JobStatus, Queue, Retry, Worker, send_stop_job_command
from jobctl.maintenance import prune_workers
from tests import jobs
from tests import reliability_jobs as rjobs
from tests.reliability_support import KEYS, LEASE, Fleet, wait_for

PREFIX = KEYS.prefix
TERMINAL = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED)


@pytest.fixture
def fleet(redis_url, tmp_path, connection):
    with Fleet(redis_url, tmp_path, connection) as fleet:
        yield fleet


def _owned_key_problem(connection, key: str, queue_names: set[str]) -> str | None:
    """Why a key without a TTL is not a bounded structure the code owns (None if it is)."""
    kind, _, name = key[len(PREFIX):].partition(":")
    if key in (KEYS.queues, KEYS.workers, KEYS.paused):
        return None
    if kind == "wake" and name in queue_names:
        return f"{key}: more than one wake-up token" if connection.llen(key) > 1 else None
    if kind == "queue" and name in queue_names:
        return f"{key}: jobs still queued after the run"
    if kind in ("started", "deferred", "scheduled"):
        return f"{key}: not empty after the run"
    if kind in ("finished", "failed", "canceled") and name in queue_names:
        for member, score in connection.zrange(key, 0, -1, withscores=True):
            if math.isinf(score):
                return f"{key}: {member.decode()} kept forever"
            if connection.ttl(KEYS.job(member.decode())) <= 0:
                return f"{key}: {member.decode()} has no job hash with a TTL"
        return None
    return f"{key}: no TTL"


def _unbounded_keys(connection) -> list[str]:
    """Every key without a TTL that is not one of the bounded structures the code owns."""
    queue_names = {q.decode() for q in connection.smembers(KEYS.queues)}
    problems = []
    for raw in connection.scan_iter(count=1000):
        key = raw.decode()
        if key.startswith("test:"):  # the jobs' own traces
            continue
        if not key.startswith(PREFIX):
            problems.append(f"{key}: outside the namespace")
        elif connection.pttl(key) == -1:  # no TTL (TTL in seconds reads 0 for a 150 ms lock)
            problem = _owned_key_problem(connection, key, queue_names)
            if problem:
                problems.append(problem)
    return problems


def test_after_a_run_every_key_has_a_ttl_or_an_owner(connection, fleet):
    workers = [fleet.start("default", "other", "--with-scheduler", name=f"k{i}") for i in range(2)]
    q = Queue(connection=connection)
    other = Queue("other", connection=connection)
    plain = [q.enqueue(jobs.add, i, 1) for i in range(5)]
    failed = q.enqueue(jobs.fail)
    retried = q.enqueue(jobs.fail, retry=Retry(max=2, interval=[0, 1]))
    forgotten = q.enqueue(jobs.add, 2, 2, result_ttl=0)
    parent = other.enqueue(rjobs.run_once_marked, "test:runs", 0.5)
    child = other.enqueue(jobs.add, 3, 3, depends_on=parent)
    scheduled = q.enqueue_in(timedelta(seconds=1), jobs.add, 4, 4)
    stopped = q.enqueue(rjobs.run_once_marked, "test:stopped", 30)
    wait_for(lambda: connection.llen("test:stopped"), 10, "the job to stop to start")
    send_stop_job_command(connection, stopped.id)
    abandoned = q.enqueue(rjobs.run_once_marked, "test:abandoned", 30)
    wait_for(lambda: connection.llen("test:abandoned"), 10, "the job to abandon to start")
    owner = connection.hget(KEYS.job(abandoned.id), "worker").decode()
    victim = next(w for w in workers if w.name == owner)
    victim.kill_group()
    fleet.start("default", "other", "--with-scheduler", name="k2")

    everything = [*plain, failed, retried, parent, child, scheduled, stopped, abandoned]
    wait_for(lambda: all(j.get_status() in TERMINAL for j in everything), 15,
             lambda: f"every job to reach a terminal state: {[j.get_status() for j in everything]}")
    assert not connection.exists(forgotten.key)
    assert abandoned.get_status() == JobStatus.FAILED
    assert stopped.get_status() == JobStatus.STOPPED
    wait_for(lambda: victim.name.encode() not in connection.smembers(KEYS.workers), 5,
             "the dead worker to be pruned")
    for worker in fleet.workers:
        if worker.running:
            worker.send(signal.SIGTERM)
            assert worker.wait_exit(10) == 0

    assert _unbounded_keys(connection) == []
    for job in everything:
        assert connection.ttl(job.key) > 0, job
    assert connection.smembers(KEYS.workers) == set()
    assert not connection.exists(KEYS.worker(victim.name))  # expired with its lease


def test_a_dead_workers_record_expires_and_prune_workers_forgets_it(connection, fleet):
    worker = fleet.start(name="doomed")
    worker.kill_group()
    killed = time.monotonic()
    ttl = connection.ttl(KEYS.worker("doomed"))
    assert 0 < ttl <= int(LEASE) + 1
    wait_for(lambda: not connection.exists(KEYS.worker("doomed")), int(LEASE) + 2,
             "the dead worker's record to expire")
    print(f"\ndead worker's record expired {time.monotonic() - killed:.2f} s after the kill")
    assert [w.name for w in Worker.all(connection)] == []
    assert b"doomed" in connection.smembers(KEYS.workers)  # no live worker has pruned it yet
    assert prune_workers(connection, KEYS) == ["doomed"]
    assert connection.smembers(KEYS.workers) == set()
    assert prune_workers(connection, KEYS) == []


def test_a_live_worker_prunes_a_dead_one(connection, fleet):
    fleet.start(name="survivor")
    doomed = fleet.start(name="doomed")
    doomed.kill_group()
    wait_for(lambda: connection.smembers(KEYS.workers) == {b"survivor"}, int(LEASE) + 3,
             "the live worker to prune the dead one")
    assert [w.name for w in Worker.all(connection)] == ["survivor"]


def test_an_idle_worker_runs_maintenance_on_its_interval(connection, fleet):
    """Blocked on its queues, a worker still wakes for each maintenance pass, not only for each
    heartbeat: with production settings that keeps reaping within lease + interval (45 s)."""
    fleet.start_library(heartbeat_interval=3.0, lease=4.0, maintenance_interval=0.3,
                        block_timeout=5.0)
    finished = KEYS.registry("finished", "default")
    delays = []
    for index in range(4):
        connection.zadd(finished, {f"ghost-{index}": time.time() - 1})  # an expired entry
        added = time.monotonic()
        wait_for(lambda i=index: connection.zscore(finished, f"ghost-{i}") is None, 5,
                 "a maintenance pass to drop the expired entry")
        delays.append(time.monotonic() - added)
    print(f"\nexpired registry entries dropped after {', '.join(f'{d:.2f}' for d in delays)} s")
    assert max(delays) < 1.0
