"""Settling a job claims the next one and, when its id is one the worker saw at the head of
the queue (a candidate), starts it in the same round trip (scripts/_claim.lua). These tests
pin what that must never change: a job runs at most once per claim, a lost reply resent does
not claim a second job, a worker that stops gives the job back, and a job claimed this way is
leased and reported as the worker's current job until it runs.
"""

from __future__ import annotations

from jobctl import JobStatus, Queue, Worker
from jobctl.execution import Outcome
from jobctl.lifecycle import ClaimGroup, settle, start
from jobctl.utils import now
from tests import jobs
from tests.reliability_support import KEYS


def _worker(q: Queue, name: str = "w1") -> Worker:
    worker = Worker([q], connection=q.connection, name=name, heartbeat_interval=0.2)
    worker.register()
    return worker


def _run_first(worker: Worker, q: Queue):
    """Claim and start the first job the plain way; returns (job, its token, candidates)."""
    claimed = worker.claim()
    assert claimed is not None and claimed.fields is None  # no candidates yet: claimed only
    job = start(q.connection, KEYS, claimed.queue, claimed.job_id, "t1", worker.name)
    assert job is not None
    return job, "t1", claimed.candidates


def test_settling_starts_the_next_job_when_it_is_a_candidate(connection):
    q = Queue(connection=connection)
    ids = [q.enqueue(jobs.add, i, i).id for i in range(3)]
    worker = _worker(q)
    job, token, candidates = _run_first(worker, q)
    assert candidates == tuple(ids[1:])
    group = ClaimGroup.build(KEYS, ["default"], now() + 30, worker.name, candidates)
    settled = settle(connection, KEYS, job, Outcome(JobStatus.FINISHED, b"x"), token, group)
    claimed = settled.claimed
    assert settled.verdict == "ok" and claimed is not None
    assert claimed.job_id == ids[1] and claimed.fields is not None
    assert claimed.fields[b"status"] == b"queued"  # the fields as they were when claimed
    fields = connection.hgetall(KEYS.job(ids[1]))
    assert fields[b"status"] == b"started" and fields[b"token"] == group.token.encode()
    assert fields[b"worker"] == b"w1"
    assert connection.hget(KEYS.worker("w1"), "current_job") == ids[1].encode()
    assert claimed.candidates == (ids[2],)
    assert connection.lrange(KEYS.queue("default"), 0, -1) == [ids[2].encode()]


def test_a_job_that_is_not_a_candidate_is_only_claimed(connection):
    """Another worker took the candidate: the id popped is claimed, and the worker starts it
    with a second round trip (start.lua), as before."""
    q = Queue(connection=connection)
    first, second = q.enqueue(jobs.add, 1, 1).id, q.enqueue(jobs.add, 2, 2).id
    worker = _worker(q)
    job, token, candidates = _run_first(worker, q)
    assert candidates == (second,)
    other = _worker(q, "w2").claim()
    assert other is not None and other.job_id == second
    third = q.enqueue(jobs.add, 3, 3).id
    group = ClaimGroup.build(KEYS, ["default"], now() + 30, worker.name, candidates)
    settled = settle(connection, KEYS, job, Outcome(JobStatus.FINISHED, b"x"), token, group)
    assert settled.claimed is not None and settled.claimed.job_id == third
    assert settled.claimed.fields is None
    assert q.fetch_job(third).get_status() == JobStatus.QUEUED
    assert q.fetch_job(first).get_status() == JobStatus.FINISHED


def test_a_resent_settle_returns_the_job_its_first_attempt_started(connection):
    """The reply of a settle-and-claim was lost and the call resent: the resend must not
    claim a second job (the first would sit started until the reaper failed it)."""
    q = Queue(connection=connection)
    ids = [q.enqueue(jobs.add, i, i).id for i in range(3)]
    worker = _worker(q)
    job, token, candidates = _run_first(worker, q)
    group = ClaimGroup.build(KEYS, ["default"], now() + 30, worker.name, candidates)
    outcome = Outcome(JobStatus.FINISHED, b"x")
    first = settle(connection, KEYS, job, outcome, token, group)
    again = settle(connection, KEYS, job, outcome, token, group)
    assert first.claimed is not None and again.claimed is not None
    assert again.verdict == "resent"
    assert again.claimed.job_id == first.claimed.job_id == ids[1]
    assert again.claimed.queue == "default" and again.claimed.fields is not None
    assert connection.lrange(KEYS.queue("default"), 0, -1) == [ids[2].encode()]
    fresh = ClaimGroup.build(KEYS, ["default"], now() + 30, worker.name, candidates)
    assert settle(connection, KEYS, job, outcome, token, fresh).verdict == "fenced"


def test_a_stopping_worker_gives_back_a_job_it_started_in_passing(connection):
    q = Queue(connection=connection)
    q.enqueue(jobs.add, 1, 1)
    worker = _worker(q)
    job, token, _ = _run_first(worker, q)
    third = q.enqueue(jobs.add, 3, 3, ttl=600).id
    group = ClaimGroup.build(KEYS, ["default"], now() + 30, worker.name, (third,))
    claimed = settle(connection, KEYS, job, Outcome(JobStatus.FINISHED, b"x"), token,
                     group).claimed
    assert claimed is not None and claimed.fields is not None
    assert connection.ttl(KEYS.job(third)) == -1  # starting it lifted the queue ttl
    worker._unclaim(claimed)
    fields = connection.hgetall(KEYS.job(third))
    assert fields[b"status"] == b"queued"
    assert b"token" not in fields and b"worker" not in fields and b"started_at" not in fields
    assert 0 < connection.ttl(KEYS.job(third)) <= 600
    assert connection.lrange(KEYS.queue("default"), 0, -1) == [third.encode()]
    assert connection.zscore(KEYS.registry("started", "default"), third) is None


def test_giving_back_leaves_a_job_restarted_by_another_worker_alone(connection):
    q = Queue(connection=connection)
    first, second = q.enqueue(jobs.add, 1, 1).id, q.enqueue(jobs.add, 2, 2).id
    job, token, candidates = _run_first(_worker(q), q)
    group = ClaimGroup.build(KEYS, ["default"], now() + 30, "w1", candidates)
    claimed = settle(connection, KEYS, job, Outcome(JobStatus.FINISHED, b"x"), token,
                     group).claimed
    assert claimed is not None and claimed.job_id == second
    connection.hset(KEYS.job(second), "token", "someone-else")  # reaped and re-run
    Worker([q], connection=connection, name="w1")._unclaim(claimed)
    assert connection.hget(KEYS.job(second), "status") == b"started"
    assert connection.zscore(KEYS.registry("started", "default"), second) is not None
    assert connection.llen(KEYS.queue("default")) == 0
    assert q.fetch_job(first).get_status() == JobStatus.FINISHED


def test_heartbeat_reports_and_leases_a_job_started_in_passing(connection):
    q = Queue(connection=connection)
    q.enqueue(jobs.add, 1, 1)
    second = q.enqueue(jobs.add, 2, 2).id
    worker = _worker(q)
    job, token, candidates = _run_first(worker, q)
    group = ClaimGroup.build(KEYS, ["default"], now() + 5, worker.name, candidates)
    claimed = settle(connection, KEYS, job, Outcome(JobStatus.FINISHED, b"x"), token,
                     group).claimed
    worker._claimed(claimed)
    worker.heartbeat()
    record = connection.hgetall(KEYS.worker("w1"))
    assert record[b"current_job"] == second.encode() and record[b"state"] == b"busy"
    lease = connection.zscore(KEYS.registry("started", "default"), second)
    assert lease is not None and lease > now() + worker.lease - 5


def test_a_busy_worker_runs_every_job_once_with_one_round_trip_each(connection):
    q = Queue(connection=connection)
    ids = [q.enqueue(jobs.record, "ran", str(i)).id for i in range(30)]
    worker = Worker([q], connection=connection, name="w1")
    worker.work(burst=True)
    assert sorted(v.decode() for v in connection.lrange("ran", 0, -1)) == sorted(
        str(i) for i in range(30))
    assert all(q.fetch_job(i).get_status() == JobStatus.FINISHED for i in ids)
    assert connection.zcard(KEYS.registry("started", "default")) == 0


def test_a_stopping_worker_passes_on_a_wake_up_token_it_took(connection):
    """Enqueue wakes workers only when the queue was empty: a token taken by a worker that
    then stops must reach another worker blocked on the queue."""
    q = Queue(connection=connection)
    worker = _worker(q)
    connection.lpush(KEYS.wake("default"), "1")
    reply = connection.blpop([KEYS.wake("default")], timeout=1)
    assert reply is not None and connection.llen(KEYS.wake("default")) == 0
    worker.shutdown.request("test")
    worker.pass_on_wake(reply[0].decode())
    assert connection.lrange(KEYS.wake("default"), 0, -1) == [b"1"]


def test_a_token_from_a_queue_the_worker_did_not_claim_from_is_passed_on(connection):
    """Woken by the low queue's token, the worker claims from the high queue (it comes
    first): the token goes back for workers that listen on the low queue only."""
    high, low = Queue("high", connection=connection), Queue("low", connection=connection)
    worker = Worker([high, low], connection=connection, name="w1", block_timeout=1)
    worker.register()
    low.enqueue(jobs.add, 1, 1)  # the queue was empty: this pushes low's token
    high.enqueue(jobs.add, 2, 2)
    connection.delete(KEYS.wake("high"))  # as if another worker had taken high's token
    assert connection.llen(KEYS.wake("low")) == 1
    worker.wait_for_work()
    assert connection.llen(KEYS.wake("low")) == 0
    claimed = worker.claim()
    assert claimed is not None and claimed.queue == "high"
    worker._pass_on_unused_wake(claimed)
    assert connection.lrange(KEYS.wake("low"), 0, -1) == [b"1"]


def test_a_token_whose_job_went_elsewhere_is_not_passed_on(connection):
    """No claim after a wake-up: the job went to another worker; passing the token on would
    only wake idle workers in turn."""
    q = Queue(connection=connection)
    worker = Worker([q], connection=connection, name="w1", block_timeout=1)
    worker.register()
    connection.lpush(KEYS.wake("default"), "1")
    worker.wait_for_work()
    worker._pass_on_unused_wake(worker.claim())
    assert connection.llen(KEYS.wake("default")) == 0
