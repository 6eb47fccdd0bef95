"""Per-minute throughput counters: a worker counts its jobs locally and adds the counts to
Redis with a heartbeat or when it stops; the snapshot behind ``jobctl info`` and the
dashboard reads them back per queue."""

from __future__ import annotations

from jobctl import Queue, SimpleWorker, Worker
from jobctl.keys import Keys
from jobctl.stats import take_snapshot
from tests import jobs


def _counters(connection) -> list[bytes]:
    return sorted(connection.scan_iter(match=Keys().throughput("*", "*", "*")))  # type: ignore[arg-type]


def test_a_workers_finished_and_failed_jobs_show_in_the_snapshot(connection):
    q = Queue("counted", connection=connection)
    for _ in range(2):
        q.enqueue(jobs.add, 1, 2)
    q.enqueue(jobs.fail, "expected")
    other = Queue("other", connection=connection)
    other.enqueue(jobs.add, 3, 4)
    SimpleWorker([q, other], connection=connection).work(burst=True)

    by_name = {stats.name: stats for stats in take_snapshot(connection, Keys()).queues}
    assert sum(by_name["counted"].finished_per_minute) == 2
    assert sum(by_name["counted"].failed_per_minute) == 1
    assert sum(by_name["other"].finished_per_minute) == 1
    assert sum(by_name["other"].failed_per_minute) == 0
    counters = _counters(connection)
    assert counters and all(0 < connection.ttl(key) <= 3600 for key in counters)


def test_counts_are_added_not_overwritten_by_later_workers(connection):
    q = Queue(connection=connection)
    for round_ in range(2):
        q.enqueue(jobs.add, round_, 1)
        Worker([q], connection=connection).work(burst=True)
    [stats] = take_snapshot(connection, Keys()).queues
    assert sum(stats.finished_per_minute) == 2
