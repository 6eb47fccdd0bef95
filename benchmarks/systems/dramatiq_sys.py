"""dramatiq: ``RedisBroker`` actors, and an in-process ``Worker`` (1 thread, or 8 as a note).

dramatiq has no bulk enqueue (``group(...).run()`` sends one message at a time), so
``enqueue_many`` sends its own enqueue script for every message through one redis-py pipeline
per batch (the broker's script object is pointed at the pipeline while ``enqueue`` runs).
A job counts as done when dramatiq has acknowledged it (``after_ack``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from benchmarks import tasks
from benchmarks.systems import QUEUE, CountedRun, System


class _Acked(dramatiq.Middleware):
    def __init__(self, on_ack: Callable[[], None]) -> None:
        self.on_ack = on_ack

    def after_ack(self, broker: dramatiq.Broker, message: Any) -> None:
        self.on_ack()


class Adapter(System):
    name = "dramatiq"
    drain_modes = {"inprocess": "Worker, 1 process x 1 thread",
                   "threads8": "Worker, 1 process x 8 threads (note only)"}
    bulk_method = "none in dramatiq: adapter-built pipeline of its enqueue script"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.broker = RedisBroker(url=url)  # type: ignore[no-untyped-call]
        dramatiq.set_broker(self.broker)
        self.actors = {
            name: dramatiq.actor(actor_name=name, queue_name=QUEUE, broker=self.broker)(
                getattr(tasks, name))
            for name in ("noop", "stamp")
        }

    @property
    def redis(self) -> redis.Redis:
        client: redis.Redis = self.broker.client
        return client

    def enqueue_one(self, task: str, *args: Any) -> None:
        self.actors[task].send(*args)

    def enqueue_many(self, task: str, arglists: Sequence[tuple[Any, ...]]) -> None:
        actor = self.actors[task]
        script = self.broker.scripts["dispatch"]
        pipe = self.broker.client.pipeline(transaction=False)
        self.broker.scripts["dispatch"] = functools.partial(script, client=pipe)
        try:
            for args in arglists:
                self.broker.enqueue(actor.message(*args))
        finally:
            self.broker.scripts["dispatch"] = script
        pipe.execute()

    def queued_count(self) -> int:
        return int(self.broker.client.hlen(f"{self.broker.namespace}:{QUEUE}.msgs"))

    def prepare_worker(self, mode: str, expect: int | None) -> Callable[[], None]:
        self.check_mode(mode)
        threads = 8 if mode == "threads8" else 1
        holder: list[CountedRun] = []
        self.broker.add_middleware(_Acked(lambda: holder[0].job_done()))
        worker = dramatiq.Worker(self.broker, worker_threads=threads)
        run = CountedRun(expect, worker.start, worker.stop)
        holder.append(run)
        return run
