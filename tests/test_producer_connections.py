"""A producer keeps its enqueue connection between calls (scripting._KeptConnections): safe
across forks, threads, dropped connections and bounded pools."""

from __future__ import annotations

import os
import threading

import redis

from jobctl import Queue, scripting
from tests import jobs


def _enqueue_ids(q: Queue, count: int) -> list[str]:
    return [q.enqueue(jobs.add, i, i).id for i in range(count)]


def test_a_forked_child_uses_neither_its_parents_connection_nor_its_ids(connection):
    q = Queue(connection=connection)
    first = q.enqueue(jobs.add, 0, 0)  # the parent now keeps a connection and spare ids
    ready_read, ready_write = os.pipe()
    ids_read, ids_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: enqueue alongside the parent, report its ids, leave at once
        try:
            os.write(ready_write, b"1")
            os.write(ids_write, ",".join(_enqueue_ids(q, 200)).encode())
        finally:
            os._exit(0)
    for fd in (ready_write, ids_write):
        os.close(fd)
    assert os.read(ready_read, 1) == b"1"  # both now enqueue at the same time
    parent_ids = _enqueue_ids(q, 200)
    with os.fdopen(ids_read, "rb") as reader:
        child_ids = reader.read().decode().split(",")
    os.waitpid(pid, 0)
    os.close(ready_read)
    assert len(child_ids) == 200
    assert len({first.id, *parent_ids, *child_ids}) == 401
    assert sorted(q.job_ids) == sorted([first.id, *parent_ids, *child_ids])


def test_a_forked_child_finds_no_kept_connection(connection):
    Queue(connection=connection).enqueue(jobs.add, 0, 0)
    pool = connection.connection_pool
    assert scripting._KEPT.idle(pool)  # the parent kept the connection of its enqueue
    pid = os.fork()
    if pid == 0:
        os._exit(0 if not scripting._KEPT.idle(pool) else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def test_threads_enqueueing_at_once_each_get_their_own_reply(connection):
    q = Queue(connection=connection)
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(_enqueue_ids(q, 40)))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [job_id for batch in results for job_id in batch]
    assert len(results) == 6 and len(set(ids)) == 240
    assert sorted(q.job_ids) == sorted(ids)


def test_a_connection_dropped_by_the_server_is_replaced(connection, redis_url):
    q = Queue(connection=connection)
    q.enqueue(jobs.add, 1, 1)
    with redis.Redis.from_url(redis_url) as admin:
        assert admin.client_kill_filter(_type="normal", skipme=True) >= 1
    second = q.enqueue(jobs.add, 2, 2)
    assert q.job_ids[-1] == second.id and len(q.job_ids) == 2


def test_a_disconnected_pool_reconnects(connection):
    q = Queue(connection=connection)
    q.enqueue(jobs.add, 1, 1)
    connection.connection_pool.disconnect()
    q.enqueue(jobs.add, 2, 2)
    assert len(q.job_ids) == 2


def test_a_bounded_pool_gets_its_connection_back(redis_url):
    blocking = redis.BlockingConnectionPool.from_url(redis_url, max_connections=1, timeout=2)
    small = redis.ConnectionPool.from_url(redis_url, max_connections=1)
    for pool in (blocking, small):
        with redis.Redis(connection_pool=pool) as client:
            client.flushall()
            Queue(connection=client).enqueue(jobs.add, 1, 1)
            assert client.ping()  # would wait (blocking) or raise (small) if the enqueue kept it
            assert client.llen("{jobctl}:queue:default") == 1
