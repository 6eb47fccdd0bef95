"""A pool of worker processes under one supervisor (``jobctl worker --concurrency N``).

The supervisor only forks, watches and restarts; each child is an ordinary worker with its own
connection, heartbeat and name. Signals are passed on, so the pool stops warm, then cold, like
a single worker. A child that dies is replaced; its job is settled by the reaper like any
other abandoned job.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

logger = logging.getLogger("jobctl.pool")

RESTART_BACKOFF_MAX = 30.0
HEALTHY_RUN = 60.0
"""A child that ran this long before dying counts as healthy: its restart is not delayed."""


class WorkerPool:
    """Keeps ``size`` worker processes running; ``run_worker(index)`` runs one in a child."""

    def __init__(self, run_worker: Callable[[int], Any], size: int, burst: bool = False) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.run_worker = run_worker
        self.size = size
        self.burst = burst
        self.children: dict[int, tuple[int, float]] = {}
        self._stopping = 0
        self._quick_deaths = 0

    def run(self) -> int:
        """Supervise until every child has exited; returns the pool's exit code."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for index in range(self.size):
                self._spawn(index)
            while self.children:
                self._reap_one()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 0

    def _spawn(self, index: int) -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                os.setpgid(0, 0)  # a terminal's Ctrl-C reaches the supervisor only
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                self.run_worker(index)
            except BaseException:
                logger.exception("worker %d crashed", index)
                code = 1
            finally:
                os._exit(code)
        self.children[pid] = (index, time.monotonic())
        logger.info("pool: worker %d started (pid %d)", index, pid)

    def _reap_one(self) -> None:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            self.children.clear()
            return
        child = self.children.pop(pid, None)
        if child is None:
            return
        index, started = child
        code = os.waitstatus_to_exitcode(status)
        if self._stopping or (self.burst and code == 0):
            return
        if time.monotonic() - started >= HEALTHY_RUN:
            self._quick_deaths = 0
        self._quick_deaths += 1
        delay = min(0.5 * 2 ** min(self._quick_deaths, 6), RESTART_BACKOFF_MAX)
        logger.warning("pool: worker %d (pid %d) exited with %d; restarting in %.1fs",
                       index, pid, code, delay)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not self._stopping:
            time.sleep(0.1)
        if not self._stopping:
            self._spawn(index)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping += 1
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
