"""What one dashboard refresh costs Redis: the snapshot plus the visible page of a registry,
measured by the server (INFO commandstats) with 10 queues and 100,000 failed jobs. The cost
must not grow with the registry, and a poll must only read.

Run with ``-s`` to see the figures.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import redis

from jobctl.utils import now
from jobctl_tui import RedisSource
from jobctl_tui.models import PageRequest
from jobctl_tui.source import poll
from tests.tui.conftest import KEYS, fake_worker, running_job

QUEUES = [f"queue-{i}" for i in range(10)]
PAGE = 25
READS = {"smembers", "exists", "llen", "lindex", "zcard", "zcount", "mget", "hgetall", "hget",
         "hmget", "echo", "zrevrange", "lrange"}


class CountingRedis(redis.Redis):
    """Counts round trips: one per command sent alone, one per pipeline executed."""

    round_trips = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.round_trips += 1
        return super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction, shard_hint)
        execute = pipe.execute

        def counted(raise_on_error: bool = True) -> Any:
            self.round_trips += 1
            return execute(raise_on_error)

        pipe.execute = counted
        return pipe


def add_failed(connection: redis.Redis, queue: str, start: int, count: int) -> None:
    """Failed jobs as the fail script leaves them (hash + registry entry), written in bulk."""
    moment = now()
    for chunk in range(start, start + count, 10_000):
        pipe = connection.pipeline(transaction=False)
        scores = {}
        for i in range(chunk, min(chunk + 10_000, start + count)):
            job_id = f"failed-{i:06d}"
            pipe.hset(KEYS.job(job_id), mapping={
                "func": "tests.jobs.fail", "status": "failed", "origin": queue,
                "created_at": moment - 60, "enqueued_at": moment - 60, "started_at": moment - 2,
                "ended_at": moment - 1, "worker": "w", "timeout": 180,
                "exc_info": f"Traceback (most recent call last):\nValueError: boom {i}"})
            scores[job_id] = moment + 3600 + i
        pipe.zadd(KEYS.registry("failed", queue), scores)
        pipe.execute()


def commandstats(connection: redis.Redis) -> Counter[str]:
    return Counter({name.removeprefix("cmdstat_"): int(fields["calls"])
                    for name, fields in connection.info("commandstats").items()})


def measure(source: RedisSource, counting: CountingRedis, request: PageRequest | None
            ) -> tuple[Counter[str], int]:
    """(commands Redis ran, round trips) for one poll."""
    before = commandstats(source.connection)
    trips = counting.round_trips
    poll(source, request)
    trips = counting.round_trips - trips
    delta = commandstats(source.connection) - before
    delta["info"] -= 1  # the first INFO itself
    return +delta, trips


def test_a_refresh_costs_the_same_with_1000_or_100000_failed_jobs(connection, redis_url):
    for queue in QUEUES:
        connection.sadd(KEYS.queues, queue)
        connection.rpush(KEYS.queue(queue), "missing-job")  # a head job for 'oldest'
    running_job(connection, "worker-busy", QUEUES[1])
    fake_worker(connection, "worker-idle", QUEUES[2])
    counting = CountingRedis.from_url(redis_url)
    source = RedisSource(counting, KEYS, redis_url)
    request = PageRequest(QUEUES[0], "failed", 0, PAGE)

    add_failed(connection, QUEUES[0], 0, 1_000)
    small = measure(source, counting, request)
    add_failed(connection, QUEUES[0], 1_000, 99_000)
    assert connection.zcard(KEYS.registry("failed", QUEUES[0])) == 100_000
    snapshot_only = measure(source, counting, None)
    page_only = Counter(measure(source, counting, request)[0]) - snapshot_only[0]
    large = measure(source, counting, request)
    deep = measure(source, counting, PageRequest(QUEUES[0], "failed", 10 * PAGE, PAGE))

    print(f"\n10 queues, 2 workers, {PAGE}-row page of 100,000 failed jobs:"
          f"\n  snapshot: {sum(snapshot_only[0].values())} commands in {snapshot_only[1]} "
          f"round trips {dict(snapshot_only[0])}"
          f"\n  page:     {sum(page_only.values())} commands {dict(page_only)}"
          f"\n  refresh:  {sum(large[0].values())} commands in {large[1]} round trips "
          f"(same with 1,000 failed: {sum(small[0].values())} in {small[1]})"
          f"\n  page 11:  {sum(deep[0].values())} commands in {deep[1]} round trips")
    assert small == large
    assert large[1] == 6  # three for the snapshot, three for the page
    assert page_only == {"zcard": 1, "zrevrange": 1, "hmget": PAGE}
    assert set(large[0]) <= READS and set(deep[0]) <= READS  # polling never writes
    assert sum(large[0].values()) < 200


def test_an_unfiltered_page_skips_expired_entries_and_still_fills(connection):
    """The first read covers just the page; ids whose hash expired make it read on."""
    from jobctl.listing import list_jobs

    add_failed(connection, "q", 0, 30)
    connection.delete(*(KEYS.job(f"failed-{i:06d}") for i in range(25, 30)))  # newest 5 gone
    page = list_jobs(connection, KEYS, "q", "failed", limit=10)
    assert [j.id for j in page.jobs] == [f"failed-{i:06d}" for i in range(24, 14, -1)]
    assert page.total == 30
    second = list_jobs(connection, KEYS, "q", "failed", offset=10, limit=10)
    assert [j.id for j in second.jobs] == [f"failed-{i:06d}" for i in range(14, 4, -1)]
