"""jobctl: ``Queue.enqueue``, ``Worker`` (fork per job) and ``SimpleWorker`` (in-process)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import redis

import jobctl
from benchmarks import tasks
from benchmarks.systems import QUEUE, NotAvailable, System


class Adapter(System):
    name = "jobctl"
    drain_modes = {"inprocess": "SimpleWorker (--no-fork)", "fork": "Worker (fork per job)"}
    bulk_method = "Queue.enqueue_many(Queue.prepare_data(...)) when it exists"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._redis = redis.Redis.from_url(url)
        self.queue = jobctl.Queue(QUEUE, connection=self._redis)

    @property
    def redis(self) -> redis.Redis:
        return self._redis

    def enqueue_one(self, task: str, *args: Any) -> None:
        self.queue.enqueue(getattr(tasks, task), *args)

    def enqueue_many(self, task: str, arglists: Sequence[tuple[Any, ...]]) -> None:
        enqueue_many = getattr(self.queue, "enqueue_many", None)
        prepare = getattr(jobctl.Queue, "prepare_data", None)
        if enqueue_many is None or prepare is None:
            raise NotAvailable("jobctl has no Queue.enqueue_many / Queue.prepare_data yet")
        func = getattr(tasks, task)
        enqueue_many([prepare(func, args=args) for args in arglists])

    def queued_count(self) -> int:
        return self.queue.count

    def prepare_worker(self, mode: str, expect: int | None) -> Callable[[], None]:
        self.check_mode(mode)
        cls = jobctl.SimpleWorker if mode == "inprocess" else jobctl.Worker
        worker = cls([self.queue], connection=self._redis)

        def run() -> None:
            worker.work(burst=expect is not None, logging_level="WARNING")

        return run
