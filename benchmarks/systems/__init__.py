"""One adapter per queue system, all behind the :class:`System` interface.

An adapter is built from a Redis URL in every process that needs it: the measuring process
enqueues through it, the worker process (``benchmarks.worker_proc``) builds its worker with it.
"""

from __future__ import annotations

import importlib
import importlib.util
import signal
import threading
import types
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks import common

NAMES = ("jobctl", "rq", "huey", "dramatiq")
"""Every system the harness knows, jobctl first."""

PACKAGES = {"jobctl": "jobctl", "rq": "rq", "huey": "huey", "dramatiq": "dramatiq"}

QUEUE = "bench"
"""The queue name every system uses."""


class NotAvailable(Exception):
    """The system has no such feature (reported as "n/a")."""


class System(ABC):
    """What the harness needs from a queue system."""

    name: str = ""
    drain_modes: dict[str, str] = {}
    """Worker modes this system offers, each with a short description of what runs."""
    bulk_method: str = ""
    """How ``enqueue_many`` enqueues (its own API, or a pipeline the adapter builds)."""

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    @abstractmethod
    def redis(self) -> Any:
        """The adapter's redis-py client (for counts and sanity checks)."""

    @abstractmethod
    def enqueue_one(self, task: str, *args: Any) -> None:
        """Enqueue ``benchmarks.tasks.<task>(*args)`` with the system's default options."""

    def enqueue_many(self, task: str, arglists: Sequence[tuple[Any, ...]]) -> None:
        """Enqueue one batch in as few round trips as the system allows."""
        raise NotAvailable(f"{self.name} has no bulk enqueue")

    @abstractmethod
    def queued_count(self) -> int:
        """Jobs still waiting (or not yet acknowledged)."""

    @abstractmethod
    def prepare_worker(self, mode: str, expect: int | None) -> Callable[[], None]:
        """Build a worker (imports, objects) and return the call that runs it.

        With ``expect`` the run returns once that many jobs are done (burst mode, or counted by
        a hook that calls :func:`benchmarks.common.mark_done`); without it the worker serves
        until SIGTERM.
        """

    def check_mode(self, mode: str) -> None:
        if mode not in self.drain_modes:
            raise NotAvailable(f"{self.name} has no worker mode {mode!r}")


class CountedRun:
    """Run-until-N for consumers without a burst mode: a hook counts finished jobs.

    ``start``/``stop`` drive the consumer; :meth:`job_done` is called from its hook (any
    thread) and marks the moment the last expected job was done. SIGTERM stops a serving run.
    """

    def __init__(self, expect: int | None, start: Callable[[], None],
                 stop: Callable[[], None]) -> None:
        self.expect = expect
        self.count = 0
        self.lock = threading.Lock()
        self.finished = threading.Event()
        self._start, self._stop = start, stop

    def job_done(self) -> None:
        with self.lock:
            self.count += 1
            if self.expect is not None and self.count == self.expect:
                common.mark_done()
                self.finished.set()

    def __call__(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self.finished.set())
        self._start()
        signal.signal(signal.SIGTERM, lambda *_: self.finished.set())  # the consumer's own
        while not self.finished.wait(0.5):
            pass
        self._stop()


def installed(name: str) -> bool:
    return importlib.util.find_spec(PACKAGES[name]) is not None


def version(name: str) -> str:
    from importlib.metadata import version as dist_version

    return dist_version(PACKAGES[name])


def load(name: str, url: str) -> System:
    if name not in NAMES:
        raise ValueError(f"unknown system {name!r}; choose from {', '.join(NAMES)}")
    module: types.ModuleType = importlib.import_module(f"benchmarks.systems.{name}_sys")
    system: System = module.Adapter(url)
    return system
