"""The scheduler: moves due jobs (``enqueue_at``/``enqueue_in``, delayed retries) into queues.

Workers started with the scheduler run it between jobs. A per-queue lock keeps one active
scheduler per queue; even without it, each job is moved exactly once (the move script removes
it from the scheduled registry atomically before queueing it).
"""

from __future__ import annotations

import logging

from redis import Redis

from jobctl import scripting
from jobctl.keys import Keys
from jobctl.utils import decode, now

logger = logging.getLogger("jobctl.scheduler")

BATCH = 500
"""Most jobs moved per queue per pass (a huge backlog is moved over several passes)."""


class Scheduler:
    """Moves due jobs of ``queue_names``; ``owner`` names the lock holder (the worker)."""

    def __init__(self, connection: Redis, keys: Keys, queue_names: list[str], owner: str,
                 lock_ttl: float = 30.0) -> None:
        self.connection = connection
        self.keys = keys
        self.queue_names = queue_names
        self.owner = owner
        self.lock_ttl = lock_ttl

    def _hold_lock(self, queue: str) -> bool:
        """Take or renew this queue's scheduler lock; False while another scheduler has it."""
        key = self.keys.lock(f"scheduler:{queue}")
        ttl_ms = int(self.lock_ttl * 1000)
        if self.connection.set(key, self.owner, nx=True, px=ttl_ms):
            return True
        holder = self.connection.get(key)
        if holder is not None and decode(holder) == self.owner:
            self.connection.pexpire(key, ttl_ms)
            return True
        return False

    def release_locks(self) -> None:
        for queue in self.queue_names:
            key = self.keys.lock(f"scheduler:{queue}")
            holder = self.connection.get(key)
            if holder is not None and decode(holder) == self.owner:
                self.connection.delete(key)

    def enqueue_due(self) -> int:
        """Move every due job of the queues whose lock this scheduler holds; returns how many."""
        moved = 0
        for queue in self.queue_names:
            if not self._hold_lock(queue):
                continue
            moved += self.enqueue_due_in(queue)
        return moved

    def enqueue_due_in(self, queue: str) -> int:
        registry = self.keys.registry("scheduled", queue)
        moment = now()
        due = [decode(i) for i in
               self.connection.zrangebyscore(registry, "-inf", moment, start=0, num=BATCH)]
        if not due:
            return 0
        keys = [registry, self.keys.queue(queue), self.keys.wake(queue)]
        keys += [self.keys.job(job_id) for job_id in due]
        moved = int(scripting.RELEASE_SCHEDULED(self.connection, keys, [repr(moment), *due]))
        if moved:
            logger.info("%s: %d scheduled job(s) due, queued", queue, moved)
        return moved
