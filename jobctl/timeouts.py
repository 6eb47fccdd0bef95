"""Soft time limits: SIGALRM raises JobTimeoutException inside the running code.

Only the main thread can receive signals; elsewhere (a web server thread using a synchronous
queue) the limit cannot be enforced and the code runs unbounded, as in RQ.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from jobctl.exceptions import JobTimeoutException


@contextmanager
def time_limit(seconds: float | None, what: str = "job") -> Iterator[None]:
    """Raise JobTimeoutException in the block once ``seconds`` have passed.

    Python refuses a signal handler outside the main thread, which is how a thread is told
    apart here (importing ``threading`` would cost every fork-server work-horse its at-fork
    hook).
    """
    if not seconds or seconds <= 0:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise JobTimeoutException(f"{what} exceeded its timeout of {seconds:g} seconds")

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread: the block runs unbounded
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
