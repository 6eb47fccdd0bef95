"""Polling: one read at a time in a thread worker; the next one is scheduled only when the last
one has finished, so a slow Redis slows the refresh down instead of piling requests up."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from textual.app import App
from textual.timer import Timer

from jobctl.display import escape
from jobctl_tui.messages import PollFailed, PollSucceeded
from jobctl_tui.models import ViewRequest
from jobctl_tui.source import ReadSource, poll

INTERVALS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""The steps ``+`` and ``-`` move through."""


def describe_error(exc: BaseException) -> tuple[str, bool]:
    """A one-line reason, and whether it means Redis could not be reached."""
    unreachable = isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)
    lines = str(exc).strip().splitlines()
    return escape(f"{type(exc).__name__}: {lines[0] if lines else ''}"), unreachable


class Poller:
    """Owns the poll timer; the app forwards the outcome messages back to ``finished``."""

    def __init__(self, app: App[None], source: ReadSource, interval: float,
                 view_request: Callable[[], ViewRequest]) -> None:
        self.app = app
        self.source = source
        self.interval = interval
        self.paused = False
        self.in_flight = False
        self._again = False
        self._timer: Timer | None = None
        self._view_request = view_request

    def poll_now(self) -> None:
        """Poll at once, or right after the poll in flight (never two at a time)."""
        if self.in_flight:
            self._again = True
            return
        self._cancel_timer()
        self.in_flight = True
        self.app.run_worker(partial(self._poll, self._view_request()), name="poll",
                            group="poll", thread=True, exit_on_error=False)

    def _poll(self, request: ViewRequest) -> None:
        """Runs in a thread: read, then hand the outcome to the app's message queue."""
        try:
            result = poll(self.source, request)
        except Exception as exc:
            self.app.post_message(PollFailed(*describe_error(exc)))
        else:
            self.app.post_message(PollSucceeded(result))

    def finished(self) -> None:
        """The poll in flight is done: start the next one now or after the interval."""
        self.in_flight = False
        if self._again:
            self._again = False
            self.poll_now()
        elif not self.paused:
            self._cancel_timer()
            self._timer = self.app.set_timer(self.interval, self.poll_now, name="next-poll")

    def toggle_paused(self) -> bool:
        self.paused = not self.paused
        if self.paused:
            self._cancel_timer()
        elif not self.in_flight:
            self.poll_now()
        return self.paused

    def step_interval(self, step: int) -> float:
        """Move to the next longer (+1) or shorter (-1) interval; applies from the next poll."""
        position = min(range(len(INTERVALS)), key=lambda i: abs(INTERVALS[i] - self.interval))
        self.interval = INTERVALS[max(0, min(len(INTERVALS) - 1, position + step))]
        if self._timer is not None and not self.in_flight and not self.paused:
            self._cancel_timer()
            self._timer = self.app.set_timer(self.interval, self.poll_now, name="next-poll")
        return self.interval

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
