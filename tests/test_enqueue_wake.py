"""Enqueue wakes a worker blocked on an empty queue, and only then writes a wake-up token:
a queue that already held jobs has a token or a worker about to claim (the claim passes the
token on while jobs remain), so every job still starts without waiting for a block timeout."""

from __future__ import annotations

import pytest

from jobctl import JobStatus, Queue
from tests import jobs, reliability_jobs
from tests.fixtures_engine import KEYS
from tests.polling import wait_until
from tests.reliability_support import Fleet

SLOW = {"heartbeat_interval": 60.0, "lease": 120.0, "maintenance_interval": 60.0,
        "block_timeout": 60.0}
"""Nothing wakes the worker on its own within a test: only a wake-up token does."""


@pytest.fixture
def fleet(redis_url, tmp_path, connection):
    with Fleet(redis_url, tmp_path, connection) as fleet:
        yield fleet


def _blocked_workers(connection) -> int:
    return sum(1 for client in connection.client_list() if client.get("cmd") == "blpop")


def _wait_blocked(connection, count: int = 1) -> None:
    wait_until(lambda: _blocked_workers(connection) >= count, 15, "the worker to block")


def _wait_finished(*created) -> None:
    wait_until(lambda: all(j.get_status() == JobStatus.FINISHED for j in created), 15,
               lambda: f"jobs to finish: {[j.get_status() for j in created]}")


def test_enqueue_wakes_a_worker_blocked_on_the_empty_queue(fleet, connection):
    fleet.start_library(simple=True, **SLOW)
    _wait_blocked(connection)
    q = Queue(connection=connection)
    _wait_finished(q.enqueue(jobs.add, 1, 2))


def test_enqueue_many_wakes_a_blocked_worker(fleet, connection):
    fleet.start_library(simple=True, **SLOW)
    _wait_blocked(connection)
    q = Queue(connection=connection)
    _wait_finished(*q.enqueue_many([Queue.prepare_data(jobs.add, args=(i, i)) for i in range(3)]))


def test_jobs_pushed_onto_a_non_empty_queue_still_reach_two_blocked_workers(fleet, connection):
    fleet.start_library(simple=True, **SLOW)
    fleet.start_library(simple=True, **SLOW)
    _wait_blocked(connection, 2)
    q = Queue(connection=connection)
    created = [q.enqueue(reliability_jobs.note_pid_and_sleep, "log", 0.3) for _ in range(4)]
    _wait_finished(*created)
    assert len({j.result for j in created}) == 2  # the second worker was woken too


def test_a_token_is_written_only_when_the_queue_was_empty(connection):
    q = Queue(connection=connection)
    wake = KEYS.wake("default")
    q.enqueue(jobs.add, 1, 1)
    assert connection.lrange(wake, 0, -1) == [b"1"]
    connection.delete(wake)  # a worker took the token and is about to claim
    q.enqueue(jobs.add, 2, 2)
    q.enqueue_many([Queue.prepare_data(jobs.add, args=(3, 3))])
    assert connection.llen(wake) == 0
    q.empty()
    q.enqueue_many([Queue.prepare_data(jobs.add, args=(4, 4))])
    assert connection.lrange(wake, 0, -1) == [b"1"]


def test_jobs_queued_while_paused_start_when_resumed(fleet, connection):
    q = Queue(connection=connection)
    q.pause()
    fleet.start_library(simple=True, **SLOW)
    _wait_blocked(connection)
    created = [q.enqueue(jobs.add, i, i) for i in range(3)]
    _wait_blocked(connection)
    q.resume()
    _wait_finished(*created)
