"""The round-trip budget (architecture.md): enqueue = 1 round trip; claim + start + finish
at most 3 per job, and (issue #6) a busy worker about one: settling a job claims and starts the
next. Measured by the server, not a mock: INFO commandstats counts the script
calls, and MONITOR lists the commands clients sent (commandstats also counts the commands a
script runs inside Redis, which cost no round trip).

Run with ``-s`` to see the figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import redis

from jobctl import Queue, SimpleWorker
from tests import jobs

ENQUEUE_BUDGET = 1
PER_JOB_BUDGET = 3
BUSY_SCRIPTS_PER_JOB = 1.2
"""A burst of JOBS: one claim and one start for the first job, then one settle per job."""
JOBS = 20
_MARKER = "jobctl-round-trips-end-of-measure"


def _measure(connection, redis_url: str, action: Callable[[], Any]
             ) -> tuple[Counter[str], Counter[str]]:
    """(commands clients sent, commandstats calls) while ``action`` ran."""
    sent: Counter[str] = Counter()
    watcher = redis.Redis.from_url(redis_url)  # its own connection: the pool's stays warm
    connection.config_resetstat()
    with watcher, watcher.monitor() as monitor:
        action()
        connection.echo(_MARKER)
        while True:
            entry = monitor.next_command()
            if entry["command"] == f"ECHO {_MARKER}":
                break
            if entry["client_type"] != "lua":
                sent[entry["command"].split(" ", 1)[0].lower()] += 1
    stats = Counter({
        name.removeprefix("cmdstat_"): int(fields["calls"])
        for name, fields in connection.info("commandstats").items()
    })
    for bookkeeping in ("config|resetstat", "monitor", "echo", "info"):
        stats.pop(bookkeeping, None)
    return sent, stats


def test_enqueue_is_one_round_trip(connection, redis_url):
    q = Queue(connection=connection)
    q.enqueue(jobs.add, 0, 0)  # warms the server's script cache (EVAL after NOSCRIPT)
    sent, stats = _measure(connection, redis_url, lambda: q.enqueue(jobs.add, 1, 2))
    print(f"\nenqueue: sent {dict(sent)}; commandstats {dict(stats)}")
    assert sent == {"evalsha": ENQUEUE_BUDGET}
    assert stats["evalsha"] == 1
    assert stats["eval"] == 0


def test_enqueue_many_is_one_script_call_per_thousand_jobs(connection, redis_url):
    q = Queue(connection=connection)
    q.enqueue(jobs.add, 0, 0)  # warms the server's script cache
    batch = [Queue.prepare_data(jobs.add, args=(i, i)) for i in range(2500)]
    sent, stats = _measure(connection, redis_url, lambda: q.enqueue_many(batch))
    print(f"\nenqueue_many of 2500: sent {dict(sent)}; commandstats {dict(stats)}")
    assert sent == {"evalsha": 3}  # written together, so one round trip
    assert stats["eval"] == 0


def _work(q: Queue, redis_url: str, n: int) -> tuple[Counter[str], Counter[str]]:
    """Measure a SimpleWorker burst over ``n`` queued jobs (after a warm-up burst)."""
    for i in range(n):
        q.enqueue(jobs.add, i, i)
    SimpleWorker([q], connection=q.connection, block_timeout=0.5).work(burst=True)
    for i in range(n):
        q.enqueue(jobs.add, i, i)
    worker = SimpleWorker([q], connection=q.connection, block_timeout=0.5)
    measured = _measure(q.connection, redis_url, lambda: worker.work(burst=True))
    assert worker.successful_job_count == n
    return measured


def test_claim_start_finish_fit_in_three_round_trips_per_job(connection, redis_url):
    q = Queue(connection=connection)
    idle_sent, idle_stats = _work(q, redis_url, 0)
    busy_sent, busy_stats = _work(q, redis_url, JOBS)
    scripts_per_job = (busy_stats["evalsha"] - idle_stats["evalsha"]) / JOBS
    sent_per_job = (sum(busy_sent.values()) - sum(idle_sent.values())) / JOBS
    print(f"\nworker burst, no job:  sent {sum(idle_sent.values())} {dict(idle_sent)}")
    print(f"worker burst, {JOBS} jobs: sent {sum(busy_sent.values())} {dict(busy_sent)}")
    print(f"per job: {scripts_per_job:g} script calls (EVALSHA), "
          f"{sent_per_job:g} commands sent; inside Redis: "
          f"{(sum(busy_stats.values()) - sum(idle_stats.values())) / JOBS:g} commands")
    assert scripts_per_job <= min(PER_JOB_BUDGET, BUSY_SCRIPTS_PER_JOB)
    assert sent_per_job <= PER_JOB_BUDGET
    assert busy_stats["eval"] == 0  # every script ran by SHA
