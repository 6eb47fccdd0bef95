"""Waiting for an outcome in tests: poll with a deadline, never sleep a guessed time."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0,
               what: str | Callable[[], str] = "", every: float = 0.02) -> Any:
    """Poll ``predicate`` until it is truthy and return its value; fail the test after
    ``timeout`` seconds, saying what was awaited (``what`` may be a function describing the
    state at that moment)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else (what or repr(predicate))
            raise AssertionError(f"timed out after {timeout:g} s waiting for {described}")
        time.sleep(every)


def live_children() -> set[int]:
    """Live (not yet reaped) child processes of this process, from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.add(int(entry))
    return found
