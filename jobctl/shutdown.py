"""Warm and cold shutdown of a worker, driven by signals, commands or a deadline.

The first SIGTERM/SIGINT asks for a warm stop (finish the current job, take no new one); the
second, or the warm deadline passing, makes it cold (kill the job's process now and settle it).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

logger = logging.getLogger("jobctl.worker")


class WakeUp(Exception):
    """Raised by the signal handler to leave a blocking wait at once."""


class Shutdown:
    """The shutdown state of one worker process."""

    def __init__(self, warm_timeout: float | None = None) -> None:
        self.warm_timeout = warm_timeout
        self.requested = False
        self.forced = False
        self.waiting = False
        self._warm_deadline: float | None = None
        self._previous: dict[int, Any] = {}

    def request(self, reason: str) -> None:
        """Warm stop: finish the current job, then exit."""
        if not self.requested:
            logger.info("%s: warm shutdown after the current job", reason)
            self.requested = True
            if self.warm_timeout is not None:
                self._warm_deadline = time.monotonic() + self.warm_timeout

    def force(self, reason: str) -> None:
        """Cold stop: kill the running job now."""
        logger.warning("%s: cold shutdown, stopping the current job now", reason)
        self.requested = True
        self.forced = True

    @property
    def cold(self) -> bool:
        """True once a cold stop was asked for or the warm deadline passed."""
        if not self.forced and self._warm_deadline is not None \
                and time.monotonic() >= self._warm_deadline:
            self.force(f"warm shutdown deadline of {self.warm_timeout:g}s passed")
        return self.forced

    def install(self) -> None:
        """Handle SIGTERM/SIGINT here (only possible in the main thread; silently skipped)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                self._previous[signum] = signal.signal(signum, self._on_signal)
            except ValueError:
                return

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested:
            self.force(f"second {name}")
        else:
            self.request(name)
        if self.waiting:
            raise WakeUp()

    def interruptible(self, wait: Callable[[], Any]) -> Any:
        """Run a blocking call that a shutdown signal may cut short (returns None then)."""
        self.waiting = True
        try:
            if self.requested:
                return None
            return wait()
        except WakeUp:
            return None
        finally:
            self.waiting = False
