"""Fixtures for the dashboard tests: a real data source on the session Redis, and helpers to
wait (with a deadline) for what a poll or an action shows."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from textual.pilot import Pilot

from jobctl import Queue
from jobctl.keys import Keys
from jobctl.utils import now
from jobctl_tui import JobctlApp, RedisSource

KEYS = Keys()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (Textual's Pilot is async; no plugin)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


@pytest.fixture
def source(connection: redis.Redis, redis_url: str) -> RedisSource:
    return RedisSource(connection, KEYS, redis_url)


@pytest.fixture
def make_app(source: RedisSource) -> Callable[..., JobctlApp]:
    def make(**options: Any) -> JobctlApp:
        return JobctlApp(source, **{"interval": 0.5, **options})
    return make


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], Any], timeout: float = 10.0,
                   what: str = "") -> Any:
    """Let the app run until ``predicate`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        await pilot.pause(0.02)


async def polled(pilot: Pilot[Any], app: JobctlApp) -> None:
    """Wait for a poll that started after now to be shown."""
    before = app.status.polls
    app.poll_now()
    await wait_for(pilot, lambda: app.status.polls > before and not app.poller.in_flight,
                   what="a fresh poll")


def fail_jobs(connection: redis.Redis, queue: str, messages: list[str]) -> list[str]:
    """Failed jobs made by a real (in-process, burst) worker running ``tests.jobs.fail``."""
    from tests.fixtures_engine import burst

    q = Queue(queue, connection=connection)
    jobs = [q.enqueue("tests.jobs.fail", message) for message in messages]
    burst(q, simple=True)
    return [j.id for j in jobs]


def fake_worker(connection: redis.Redis, name: str, queues: str = "default",
                current_job: str = "") -> None:
    """A worker record made by hand, as a live worker registers it (no process behind it)."""
    record = {"name": name, "host": "test-host", "pid": 4321, "queues": queues,
              "state": "busy" if current_job else "idle", "current_job": current_job,
              "birth": repr(now()), "last_heartbeat": repr(now()), "mode": "fork"}
    connection.hset(KEYS.worker(name), mapping=record)
    connection.sadd(KEYS.workers, name)


def running_job(connection: redis.Redis, worker: str, queue: str = "default") -> str:
    """A job in state started on ``worker`` (the hash and registry entries a start writes)."""
    job = Queue(queue, connection=connection).enqueue("tests.jobs.sleep_for", 60)
    connection.lrem(KEYS.queue(queue), 0, job.id)
    connection.hset(KEYS.job(job.id), mapping={"status": "started", "worker": worker,
                                                "started_at": repr(now())})
    connection.zadd(KEYS.registry("started", queue), {job.id: now() + 60})
    fake_worker(connection, worker, queue, current_job=job.id)
    return job.id
