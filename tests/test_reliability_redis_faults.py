"""Redis faults (issue #4, item 5): a restart under a running ``jobctl worker`` is waited out
(same process, one log line for the outage and one for its end, jobs drained within 5 s of
Redis answering again); a refused password is not retried: exit code 4 and a clear message."""

from __future__ import annotations

import time

import pytest
import redis

from jobctl import JobStatus, Queue
from jobctl.embedded import RedisProcess
from tests import reliability_jobs as rjobs
from tests.reliability_support import KEYS, Fleet, wait_for

PASSWORD = "s3cret-pw"


@pytest.fixture
def own_redis():
    """A Redis of this test's own, which the test stops and restarts."""
    server = RedisProcess()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_connection(own_redis):
    client = redis.Redis.from_url(own_redis.url)
    try:
        yield client
    finally:
        client.close()


def _fleet(url, tmp_path, connection):
    return Fleet(url, tmp_path, connection)


@pytest.mark.parametrize(("while_busy", "down_for"), [(False, 0), (False, 4), (True, 0)],
                         ids=["idle", "idle-down-4s", "busy"])
def test_a_worker_rides_out_a_redis_restart(own_redis, own_connection, tmp_path, while_busy,
                                            down_for):
    with _fleet(own_redis.url, tmp_path, own_connection) as fleet:
        worker = fleet.start(name="survivor")
        q = Queue(connection=own_connection)
        before = q.enqueue(rjobs.run_once_marked, "runs")
        wait_for(lambda: before.get_status() == JobStatus.FINISHED, 10, "a job before the outage")
        if while_busy:  # the job outlives Redis's data: only the worker's survival matters here
            busy = q.enqueue(rjobs.run_once_marked, "runs", 2)
            wait_for(lambda: busy.get_status() == JobStatus.STARTED, 10, "the long job to start")

        own_redis.stop()
        wait_for(lambda: "lost Redis" in worker.log(), 10, "the worker to notice the outage")
        time.sleep(down_for)  # the outage itself, long enough for the backoff to grow
        own_redis.start(own_redis.port)  # same port, empty (nothing persisted)
        answering = time.monotonic()

        q = Queue(connection=own_connection)
        after = [q.enqueue(rjobs.run_once_marked, "runs") for _ in range(5)]
        wait_for(lambda: all(j.get_status() == JobStatus.FINISHED for j in after), 10,
                 "the jobs enqueued after the restart to run")
        resumed_in = time.monotonic() - answering
        print(f"\nRedis restart ({'busy' if while_busy else 'idle'} worker, down {down_for} s+): "
              f"jobs drained {resumed_in:.2f} s after Redis answered")
        assert resumed_in < 5.0
        assert worker.running
        log = worker.log()
        assert log.count("lost Redis") == 1, log
        assert log.count("Redis is back") == 1, log
        # The worker is registered again, as itself, with the same process.
        wait_for(lambda: own_connection.hget(KEYS.worker("survivor"), "pid"), 5,
                 "the worker record to come back")
        record = own_connection.hgetall(KEYS.worker("survivor"))
        assert int(record[b"pid"]) == worker.pid
        assert record[b"queues"] == b"default"
        assert b"survivor" in own_connection.smembers(KEYS.workers)
        assert own_connection.ttl(KEYS.worker("survivor")) > 0


def test_a_worker_started_with_a_wrong_password_exits_with_code_4(tmp_path):
    with RedisProcess([f"requirepass {PASSWORD}"]) as server:
        url = f"redis://:not-the-password@127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0")
        with Fleet(url, tmp_path, client) as fleet:
            worker = fleet.start(wait=False)
            began = time.monotonic()
            code = worker.wait_exit(10)
            took = time.monotonic() - began
            log = worker.log()
        client.close()
    assert code == 4, log
    assert took < 5.0
    assert "auth" in log.lower(), log
    assert "not-the-password" not in log
    assert "Traceback" not in log


def test_a_password_changed_under_a_running_worker_stops_it_with_code_4(tmp_path):
    with RedisProcess([f"requirepass {PASSWORD}"]) as server:
        url = f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(url)
        with Fleet(url, tmp_path, client) as fleet:
            worker = fleet.start()
            client.config_set("requirepass", "rotated-pw")
            client.client_kill_filter(_type="normal", skipme=True)  # the worker must log in again
            began = time.monotonic()
            code = worker.wait_exit(10)
            took = time.monotonic() - began
            log = worker.log()
        client.close()
    assert code == 4, log
    assert took < 5.0
    assert "auth" in log.lower() or "password" in log.lower(), log
    assert PASSWORD not in log
    assert log.count("lost Redis") == 0, log  # not taken for an outage, never retried
