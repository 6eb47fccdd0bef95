"""Soft time limits: SIGALRM raises JobTimeoutException inside the running code.

Only the main thread can receive signals; elsewhere (a web server thread using a synchronous
queue) the limit cannot be enforced and the code runs unbounded, as in RQ.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from jobctl.exceptions import JobTimeoutException


@contextmanager
def time_limit(seconds: float | None, what: str = "job") -> Iterator[None]:
    """Raise JobTimeoutException in the block once ``seconds`` have passed."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise JobTimeoutException(f"{what} exceeded its timeout of {seconds:g} seconds")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
