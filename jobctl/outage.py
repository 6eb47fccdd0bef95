"""Riding out Redis outages: jittered backoff, one log line when it starts and one when it ends,
and a quick resume once Redis answers again.

Between attempts the worker only checks whether Redis accepts connections (cheap, every
second), so it resumes within a few seconds of recovery even when the backoff has grown.
"""

from __future__ import annotations

import logging
import random
import socket
import time
from collections.abc import Callable

from redis import Redis
from redis import exceptions as redis_errors

logger = logging.getLogger("jobctl.worker")

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
PROBE_EVERY = 1.0

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    redis_errors.ReadOnlyError,
    redis_errors.TryAgainError,
    OSError,
)
"""Errors a worker waits out; anything about credentials or permissions is not among them."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, redis_errors.AuthenticationError | redis_errors.NoPermissionError):
        return False
    if str(exc).startswith(("WRONGPASS", "NOAUTH", "NOPERM")):
        return False
    return isinstance(exc, TRANSIENT_ERRORS) or (
        isinstance(exc, redis_errors.RedisError)
        and str(exc).startswith(("LOADING", "MASTERDOWN"))
    )


class Outage:
    """Tracks one outage at a time for one connection."""

    def __init__(self, connection: Redis, describe: str = "Redis",
                 should_stop: Callable[[], bool] = lambda: False) -> None:
        self.connection = connection
        self.describe = describe
        self.should_stop = should_stop
        self.started: float | None = None
        self._delay = FIRST_DELAY

    def failed(self, exc: BaseException) -> None:
        """Note a failure and wait before the next attempt (returns early on recovery)."""
        if self.started is None:
            self.started = time.monotonic()
            logger.error("lost %s (%s: %s); retrying with backoff", self.describe,
                         type(exc).__name__, exc)
        self.connection.connection_pool.disconnect()
        delay = self._delay * random.uniform(0.5, 1.0)
        self._delay = min(self._delay * 2, MAX_DELAY)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not self.should_stop():
            time.sleep(min(PROBE_EVERY, max(0.0, deadline - time.monotonic())))
            if self._accepts_connections():
                return

    def succeeded(self) -> None:
        if self.started is not None:
            logger.warning("%s is back after %.1fs", self.describe,
                           time.monotonic() - self.started)
        self.started = None
        self._delay = FIRST_DELAY

    def _accepts_connections(self) -> bool:
        """A bare socket connect: no command, so it is cheap to try every second."""
        kwargs = self.connection.connection_pool.connection_kwargs
        try:
            if kwargs.get("path"):
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(0.5)
                    sock.connect(kwargs["path"])
            else:
                socket.create_connection((kwargs.get("host", "localhost"),
                                          kwargs.get("port", 6379)), timeout=0.5).close()
        except OSError:
            return False
        return True
