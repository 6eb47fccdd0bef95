"""The in-process worker (``SimpleWorker``, ``jobctl worker --no-fork``): no fork per job.

Faster, but the job runs in the worker's own process, so the worker cannot kill it. A
background thread does what the forking worker's parent does between checks on its child:
heartbeats, maintenance and control commands. A stop request reaches the job as a signal
(SIGUSR1) whose handler raises StopRequested in the main thread, which also interrupts
sleeps and blocking calls that retry on EINTR.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from jobctl.exceptions import StopRequested
from jobctl.execution import Outcome, perform
from jobctl.job import Job
from jobctl.status import JobStatus
from jobctl.worker import Worker

logger = logging.getLogger("jobctl.worker")


class SimpleWorker(Worker):
    """Runs jobs in the worker process itself: no fork, so faster but without isolation."""

    mode = "in-process"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stop_lock = threading.Lock()
        self._running_id: str | None = None
        self._stop_reason = ""
        self._main_thread = threading.main_thread().ident

    def work(self, *args: Any, **kwargs: Any) -> bool:
        stop = threading.Event()
        beat = threading.Thread(target=self._watch_while_busy, args=(stop,), daemon=True)
        previous = self._install_stop_signal()
        beat.start()
        try:
            return super().work(*args, **kwargs)
        finally:
            stop.set()
            beat.join()
            if previous is not None:
                signal.signal(signal.SIGUSR1, previous)

    def execute(self, job: Job) -> Outcome:
        try:
            with self._interruptible(job.id):
                return perform(job, self.allow)
        except StopRequested:
            return Outcome(JobStatus.STOPPED, exc_info=f"job stopped: {self._stop_reason}",
                           retryable=False)

    @contextlib.contextmanager
    def _interruptible(self, job_id: str) -> Iterator[None]:
        """While inside, a stop command may interrupt the job; never after it left."""
        with self._stop_lock:
            self._running_id, self._stop_reason = job_id, ""
        try:
            yield
        finally:
            with self._stop_lock:
                self._running_id = None

    def _install_stop_signal(self) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return None
        return signal.signal(signal.SIGUSR1, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stop_reason and self._running_id is not None:
            raise StopRequested(self._stop_reason)

    def _watch_while_busy(self, stop: threading.Event) -> None:
        """While a job runs, do what the forking worker does between checks on its child."""
        while not stop.wait(min(1.0, self.heartbeat_interval)):
            if self._current is None:
                continue
            try:
                self._stop_job(self.tick_while_busy())
            except Exception:
                logger.exception("unexpected error while a job runs")

    def _stop_job(self, reason: str) -> None:
        """Interrupt the running job (if it is still the one the command was for)."""
        if not reason or self._main_thread is None:
            return
        with self._stop_lock:
            if self._running_id is None:
                return
            self._stop_reason = reason
            signal.pthread_kill(self._main_thread, signal.SIGUSR1)
