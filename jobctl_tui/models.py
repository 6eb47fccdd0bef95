"""The plain data the dashboard passes around: what a view asks a poll for, what comes back,
a job's decoded detail, a prepared action, and the state of polling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jobctl.listing import JobPage
from jobctl.stats import Snapshot

LOCATIONS = ("queued", "started", "scheduled", "deferred", "failed", "finished", "canceled")
"""The job lists of one queue, in the order the tabs show them."""


@dataclass(frozen=True)
class PageRequest:
    """One visible page of a queue or registry; ``text`` filters on function, id, exception."""

    queue: str
    location: str
    offset: int = 0
    limit: int = 20
    text: str = ""


@dataclass(frozen=True)
class DetailRequest:
    job_id: str


ViewRequest = PageRequest | DetailRequest | None
"""What the current view needs besides the snapshot (None: the overview needs nothing more)."""


@dataclass(frozen=True)
class JobDetail:
    """Everything the job view shows, already decoded safely and escaped for the terminal.

    Values are kept whole (up to a cap); the view truncates them unless asked for full values.
    """

    id: str
    func_name: str
    status: str
    origin: str
    description: str | None
    args: list[str]
    kwargs: list[tuple[str, str]]
    payload_note: str | None
    """Why the arguments could not be shown, if they could not."""
    timestamps: list[tuple[str, datetime | None]]
    worker_name: str | None
    timeout: int
    result_ttl: int
    failure_ttl: int
    ttl: int | None
    expires_in: float | None
    """Seconds until Redis drops the job's data; None when it does not expire."""
    retries_left: int | None
    retries_max: int | None
    retry_intervals: list[int]
    dependency_ids: list[str]
    dependent_ids: list[str]
    result: str | None
    exc_info: str | None
    meta: list[tuple[str, str]]
    serializer: str
    signed: bool


@dataclass(frozen=True)
class PollResult:
    """One poll: the snapshot, and the page or job the current view asked for."""

    snapshot: Snapshot
    request: ViewRequest
    page: JobPage | None = None
    detail: JobDetail | None = None
    """None for a DetailRequest means the job no longer exists."""


@dataclass(frozen=True)
class Action:
    """A change ready to confirm: the question states exactly what ``run`` will do."""

    question: str
    consequence: str
    run: Callable[[], str]
    """Performs the change; returns what happened, for the notification."""


ActionBuilder = Callable[[], "Action | str"]
"""Prepares an action (may read Redis, in a thread); a str means there is nothing to do."""


@dataclass
class PollStatus:
    """What the header line and the banner show."""

    url: str
    namespace: str
    interval: float
    paused: bool = False
    taken_at: datetime | None = None
    duration: float | None = None
    error: str | None = None
    unreachable: bool = False
    polls: int = 0

    @property
    def stale(self) -> bool:
        """True while the data shown is from before a failed poll."""
        return self.error is not None
