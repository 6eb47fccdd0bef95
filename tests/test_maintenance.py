"""Periodic maintenance: expired registry entries and vanished deferred jobs are dropped."""

from __future__ import annotations

from jobctl import Queue
from jobctl.maintenance import clean_registries, drop_vanished_deferred, prune_workers
from tests import jobs
from tests.fixtures_engine import KEYS, wait_until


def test_deferred_job_whose_ttl_ran_out_leaves_the_deferred_registry(connection):
    q = Queue(connection=connection)
    parent = q.enqueue(jobs.add, 1, 1)
    waiting = q.enqueue(jobs.add, 2, 2, depends_on=parent, ttl=60)
    kept = q.enqueue(jobs.add, 3, 3, depends_on=parent)
    assert set(q.deferred_job_registry.get_job_ids()) == {waiting.id, kept.id}
    connection.pexpire(KEYS.job(waiting.id), 1)
    assert wait_until(lambda: not connection.exists(KEYS.job(waiting.id)), timeout=5)

    assert drop_vanished_deferred(connection, KEYS, ["default"]) == 1

    assert q.deferred_job_registry.get_job_ids() == [kept.id]


def test_clean_registries_removes_only_expired_entries(connection):
    failed = KEYS.registry("failed", "default")
    connection.zadd(failed, {"old": 1.0, "fresh": 9_999_999_999.0})
    clean_registries(connection, KEYS, ["default"])
    assert connection.zrange(failed, 0, -1) == [b"fresh"]


def test_prune_workers_forgets_workers_whose_record_expired(connection):
    connection.sadd(KEYS.workers, "gone", "alive")
    connection.hset(KEYS.worker("alive"), "name", "alive")
    assert prune_workers(connection, KEYS) == ["gone"]
    assert connection.smembers(KEYS.workers) == {b"alive"}
