"""A worker's jobs per queue and minute, counted in the worker and written to Redis in bulk.

Monitors (``jobctl info``, the dashboard) chart per-minute counters. Incrementing them once per
job would add a round trip or a command to every job; the worker counts locally instead and
adds its counts with the next heartbeat (or when it stops), so they lag by at most one
heartbeat interval.
"""

from __future__ import annotations

import threading
from typing import Any

from jobctl.keys import Keys
from jobctl.utils import now

THROUGHPUT_TTL = 3600
"""Seconds a per-minute counter is kept (monitors show the last minutes)."""


class ThroughputCounts:
    """Finished and failed jobs per (queue, minute) since the last flush."""

    def __init__(self, keys: Keys) -> None:
        self._keys = keys
        self._counts: dict[tuple[str, int, str], int] = {}
        self._lock = threading.Lock()
        """Heartbeats may flush from another thread than the one counting."""

    def add(self, queue: str, finished: bool) -> None:
        bucket = (queue, int(now() // 60), "finished" if finished else "failed")
        with self._lock:
            self._counts[bucket] = self._counts.get(bucket, 0) + 1

    def flush(self, pipe: Any) -> None:
        """Queue on ``pipe`` the increments for everything counted since the last flush."""
        with self._lock:
            counts, self._counts = self._counts, {}
        for (queue, minute, outcome), count in counts.items():
            counter = self._keys.throughput(queue, minute, outcome)
            pipe.incrby(counter, count)
            pipe.expire(counter, THROUGHPUT_TTL)
