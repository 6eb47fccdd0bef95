"""The registry switcher of the queue view: every location with its count, the current one lit."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from jobctl.stats import QueueStats
from jobctl_tui.format import compact
from jobctl_tui.models import LOCATIONS

_SHORT = {"scheduled": "sched", "deferred": "defer", "finished": "done"}


class LocationBar(Static):
    """`` queued 3   started 1  … [failed 1.2k]  …`` (tab / h / l switch); shorter names
    below 100 columns."""

    def show(self, current: str, stats: QueueStats | None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        short = 0 < self.size.width < 100
        for location in LOCATIONS:
            label = _SHORT.get(location, location) if short else location
            if stats is not None:
                label += f" {compact(getattr(stats, location))}"
            if location == current:
                style = "bold reverse"
            elif location == "failed" and stats is not None and stats.failed:
                style = "red"
            else:
                style = ""
            text.append(f" {label} ", style=style)
        self.update(text)
