"""huey: ``RedisHuey`` tasks, and its consumer with one thread worker.

huey has no bulk enqueue (``Task.map`` calls ``enqueue`` once per item), so ``enqueue_many``
LPUSHes the serialized tasks through one redis-py pipeline per batch, which is what huey's own
``RedisStorage.enqueue`` would do one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import huey
import huey.signals
import redis

from benchmarks import tasks
from benchmarks.systems import QUEUE, CountedRun, System


class Adapter(System):
    name = "huey"
    drain_modes = {"inprocess": "consumer, 1 thread worker (-w 1 -k thread)"}
    bulk_method = "none in huey: adapter-built pipeline of LPUSH (huey's own enqueue command)"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.huey = huey.RedisHuey(QUEUE, url=url)
        self.tasks = {name: self.huey.task(name=name)(getattr(tasks, name))
                      for name in ("noop", "stamp")}

    @property
    def redis(self) -> redis.Redis:
        conn: redis.Redis = self.huey.storage.conn
        return conn

    def enqueue_one(self, task: str, *args: Any) -> None:
        self.tasks[task](*args)

    def enqueue_many(self, task: str, arglists: Sequence[tuple[Any, ...]]) -> None:
        wrapper = self.tasks[task]
        storage = self.huey.storage
        pipe = storage.conn.pipeline(transaction=False)
        for args in arglists:
            pipe.lpush(storage.queue_key, self.huey.serialize_task(wrapper.s(*args)))
        pipe.execute()

    def queued_count(self) -> int:
        return int(self.huey.pending_count())

    def prepare_worker(self, mode: str, expect: int | None) -> Callable[[], None]:
        self.check_mode(mode)
        consumer = self.huey.create_consumer(workers=1, worker_type="thread")
        run = CountedRun(expect, consumer.start, lambda: consumer.stop(graceful=True))

        def completed(signal: str, task: Any, *args: Any) -> None:
            run.job_done()

        self.huey.signal(huey.signals.SIGNAL_COMPLETE)(completed)
        return run
