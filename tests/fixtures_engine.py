"""Helpers shared by the engine tests: Redis snapshots, deadlines, burst workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from redis import Redis

from jobctl import Queue, SimpleWorker, Worker
from jobctl.keys import Keys
from tests.polling import wait_until  # noqa: F401 - re-exported for the tests

KEYS = Keys()
"""The default namespace's keys, for looking at Redis directly."""

FAST = {"heartbeat_interval": 1.0, "block_timeout": 0.5, "hard_kill_grace": 1.0}
"""Worker settings that keep tests short."""


def snapshot(connection: Redis) -> dict[bytes, Any]:
    """Every key with its type and content, to prove that a failed call wrote nothing."""
    state: dict[bytes, Any] = {}
    for key in sorted(connection.keys("*")):
        kind = connection.type(key)
        if kind == b"string":
            value: Any = connection.get(key)
        elif kind == b"list":
            value = connection.lrange(key, 0, -1)
        elif kind == b"set":
            value = sorted(connection.smembers(key))
        elif kind == b"zset":
            value = connection.zrange(key, 0, -1, withscores=True)
        elif kind == b"hash":
            value = connection.hgetall(key)
        else:
            value = None
        state[key] = (kind, value)
    return state


def burst(*queues: Queue, simple: bool = False, max_jobs: int | None = None,
          **options: Any) -> Worker:
    """Run a burst worker on ``queues`` until they are empty; returns it for its counters."""
    cls = SimpleWorker if simple else Worker
    worker = cls(list(queues), connection=queues[0].connection, **{**FAST, **options})
    worker.work(burst=True, max_jobs=max_jobs)
    return worker


ROOT = Path(__file__).resolve().parents[1]

_WORKER_SCRIPT = """
import sys
import redis
from jobctl import Queue, Worker
from tests.polling import wait_until  # noqa: F401 - re-exported for the tests
connection = redis.Redis.from_url(sys.argv[1])
queues = [Queue(name, connection=connection) for name in sys.argv[2:]]
worker = Worker(queues, connection=connection, heartbeat_interval=1.0, block_timeout=0.5)
worker.work(burst=True)
print(worker.successful_job_count, worker.failed_job_count)
"""


def worker_command(redis_url: str, queue_names: list[str]) -> list[str]:
    return [sys.executable, "-c", _WORKER_SCRIPT, redis_url, *queue_names]


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker process that can import ``tests.jobs``."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_worker_process(redis_url: str, queue_names: list[str], timeout: float = 30.0,
                       **env: str) -> subprocess.CompletedProcess[str]:
    """A burst worker in its own process, as ``jobctl worker --burst`` would run it."""
    return subprocess.run(
        worker_command(redis_url, queue_names), cwd=ROOT, env=worker_env(**env),
        capture_output=True, text=True, timeout=timeout, check=True,
    )
