"""Soft time limits: SIGALRM raises JobTimeoutException inside the running code.

Only the main thread can receive signals; elsewhere (a web server thread using a synchronous
queue) the limit cannot be enforced and the code runs unbounded, as in RQ.
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from jobctl.exceptions import JobTimeoutException

try:
    _set_handler: Callable[[int, Any], Any] = importlib.import_module("_signal").signal
except (ImportError, AttributeError):  # not CPython
    _set_handler = signal.signal
"""The C function under ``signal.signal``: that wrapper turns the handler it replaced into an
enum member, which for a function means raising and catching a ValueError (about 3 us per job
of an in-process worker, which sets and restores SIGALRM's handler for each)."""


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
        previous = _set_handler(signal.SIGALRM, expire)
    except ValueError:  # not the main thread: the block runs unbounded
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _set_handler(signal.SIGALRM, previous)
