"""Soft time limits: SIGALRM raises JobTimeoutException inside the running code.

Only the main thread can receive signals; elsewhere (a web server thread using a synchronous
queue) the limit cannot be enforced and the code runs unbounded, as in RQ.
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Callable
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


class time_limit:  # lower case: used like the function it was, ``with time_limit(s, what):``
    """Raise JobTimeoutException in the block once ``seconds`` have passed.

    Python refuses a signal handler outside the main thread, which is how a thread is told
    apart here (importing ``threading`` would cost every fork-server work-horse its at-fork
    hook). A class rather than a generator-based context manager: it is entered once per job,
    and contextlib's machinery cost about a microsecond of it.
    """

    __slots__ = ("previous", "seconds", "set", "what")

    def __init__(self, seconds: float | None, what: str = "job") -> None:
        self.seconds = seconds
        self.what = what
        self.set = False
        self.previous: Any = None

    def __enter__(self) -> None:
        seconds = self.seconds
        if not seconds or seconds <= 0:
            return
        try:
            self.previous = _set_handler(signal.SIGALRM, self._expire)
        except ValueError:  # not the main thread: the block runs unbounded
            return
        self.set = True
        signal.setitimer(signal.ITIMER_REAL, seconds)

    def __exit__(self, *exc_info: object) -> None:
        if self.set:
            self.set = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            _set_handler(signal.SIGALRM, self.previous)

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        raise JobTimeoutException(f"{self.what} exceeded its timeout of {self.seconds:g} seconds")
