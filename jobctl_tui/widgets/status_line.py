"""The header line: where we are connected, how often we poll, how the last poll went."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from jobctl.display import escape
from jobctl_tui.format import clock, duration, interval
from jobctl_tui.models import PollStatus


class StatusLine(Horizontal):
    """``ns jobctl  redis://:***@host:6379/0        every 2s  12:00:03 (3 ms)  ● ok``."""

    def compose(self) -> ComposeResult:
        yield Static(id="where")
        yield Static(id="state")

    def show(self, status: PollStatus, tz: tzinfo | None) -> None:
        where = Text("ns ")
        where.append(escape(status.namespace), style="bold")
        where.append("  ")
        where.append(escape(status.url), style="cyan")
        where.no_wrap, where.overflow = True, "ellipsis"
        self.query_one("#where", Static).update(where)
        self.query_one("#state", Static).update(self._state(status, tz))

    @staticmethod
    def _state(status: PollStatus, tz: tzinfo | None) -> Text:
        text = Text()
        if status.paused:
            text.append("⏸ paused", style="bold yellow")
        else:
            text.append(f"every {interval(status.interval)}")
        if status.taken_at is not None:
            text.append(f"  {clock(status.taken_at, tz)}")
            if status.duration is not None:
                text.append(f" ({duration(status.duration)})", style="dim")
        if status.error is not None:
            text.append("  ● down" if status.unreachable else "  ● error", style="bold red")
        elif status.polls:
            text.append("  ● ok", style="green")
        else:
            text.append("  ○ connecting", style="dim")
        return text
