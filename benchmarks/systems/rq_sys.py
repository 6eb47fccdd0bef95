"""rq: ``Queue.enqueue``, ``Queue.enqueue_many``, ``Worker`` (fork) and ``SimpleWorker``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import redis
import rq

from benchmarks import tasks
from benchmarks.systems import QUEUE, System


class Adapter(System):
    name = "rq"
    drain_modes = {"inprocess": "SimpleWorker", "fork": "Worker (fork per job)"}
    bulk_method = "Queue.enqueue_many(Queue.prepare_data(...)) (one pipeline per batch)"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._redis = redis.Redis.from_url(url)
        self.queue = rq.Queue(QUEUE, connection=self._redis)

    @property
    def redis(self) -> redis.Redis:
        return self._redis

    def enqueue_one(self, task: str, *args: Any) -> None:
        self.queue.enqueue(getattr(tasks, task), *args)

    def enqueue_many(self, task: str, arglists: Sequence[tuple[Any, ...]]) -> None:
        func = getattr(tasks, task)
        self.queue.enqueue_many([rq.Queue.prepare_data(func, args=args) for args in arglists])

    def queued_count(self) -> int:
        return self.queue.count

    def prepare_worker(self, mode: str, expect: int | None) -> Callable[[], None]:
        self.check_mode(mode)
        cls = rq.SimpleWorker if mode == "inprocess" else rq.Worker
        worker = cls([self.queue], connection=self._redis)

        def run() -> None:
            worker.work(burst=expect is not None, logging_level="WARNING")

        return run
