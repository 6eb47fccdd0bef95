"""What jobctl and rq share: the same Queue/Worker API, so one adapter drives both."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import redis

from benchmarks import tasks
from benchmarks.systems import QUEUE, System


class RQStyleAdapter(System):
    """``Queue.enqueue``, ``Queue.enqueue_many(prepare_data)``, ``Worker`` and
    ``SimpleWorker`` of the library in ``lib``."""

    lib: ModuleType
    drain_modes = {"inprocess": "SimpleWorker", "fork": "Worker (fork per job)"}
    bulk_method = "Queue.enqueue_many(Queue.prepare_data(...)) (one pipeline per batch)"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._redis = redis.Redis.from_url(url)
        self.queue = self.lib.Queue(QUEUE, connection=self._redis)

    @property
    def redis(self) -> redis.Redis:
        return self._redis

    def worker_options(self, mode: str) -> dict[str, Any]:
        """Keyword arguments for the worker class, beyond queues and connection."""
        return {}

    def enqueue_one(self, task: str, *args: Any) -> None:
        self.queue.enqueue(getattr(tasks, task), *args)

    def enqueue_many(self, task: str, arglists: Sequence[tuple[Any, ...]]) -> None:
        func = getattr(tasks, task)
        prepare = self.lib.Queue.prepare_data
        self.queue.enqueue_many([prepare(func, args=args) for args in arglists])

    def queued_count(self) -> int:
        return int(self.queue.count)

    def prepare_worker(self, mode: str, expect: int | None) -> Callable[[], None]:
        self.check_mode(mode)
        cls = self.lib.SimpleWorker if mode == "inprocess" else self.lib.Worker
        worker = cls([self.queue], connection=self._redis, **self.worker_options(mode))

        def run() -> None:
            worker.work(burst=expect is not None, logging_level="WARNING")

        return run
