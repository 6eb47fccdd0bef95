"""The banner shown while polls fail: the data below is stale and greyed until Redis answers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from jobctl.display import escape, truncate
from jobctl_tui.format import interval
from jobctl_tui.models import PollStatus


class Banner(Static):
    """Hidden while polls succeed."""

    def show(self, status: PollStatus) -> None:
        self.set_class(status.error is not None, "-visible")
        if status.error is None:
            return
        head = "Redis unreachable — retrying" if status.unreachable else "Poll failed — retrying"
        text = Text(f"⚠ {head} every {interval(status.interval)}", style="bold")
        text.append(f"  ({truncate(escape(status.error), 120)})")
        text.append("  showing the last data", style="italic")
        self.update(text)
