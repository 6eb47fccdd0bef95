"""What every data view shares: the header line, the Redis banner, the footer, read-only
handling of action bindings, and the hooks the poller uses (what to fetch, what came back)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer

from jobctl_tui.models import ActionBuilder, PollResult, PollStatus, ViewRequest
from jobctl_tui.widgets.banner import Banner
from jobctl_tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from jobctl_tui.app import JobctlApp


class ViewScreen(Screen[None]):
    """A view fed by polls."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Go back to the previous view"),
    ]
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions that change Redis: hidden and refused in read-only mode."""

    @property
    def dashboard(self) -> JobctlApp:
        return cast("JobctlApp", self.app)

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status-line")
        yield Banner(id="banner")
        yield from self.compose_body()
        yield Footer(compact=True, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        """Shown (first push, or back from a view above): last data at once, fresh data soon."""
        with contextlib.suppress(NoMatches):  # not composed yet: the next poll shows it
            self.show_status(self.dashboard.status)
            if self.dashboard.last_result is not None:
                self.show_result(self.dashboard.last_result)
        self.call_after_refresh(self.dashboard.poll_now)  # after layout: the page size is known

    # -- poller hooks ------------------------------------------------------------------------

    def view_request(self) -> ViewRequest:
        """What this view needs besides the snapshot."""
        return None

    def show_result(self, result: PollResult) -> None:
        """Update the widgets from a poll (its page or detail may be for another request)."""

    def show_status(self, status: PollStatus) -> None:
        self.query_one(StatusLine).show(status, self.dashboard.tz)
        self.query_one(Banner).show(status)
        self.set_class(status.stale, "-stale")

    # -- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS:
            return not self.dashboard.readonly and self.action_applies(action)
        return True

    def action_applies(self, action: str) -> bool:
        """Whether a write action makes sense for what is selected (hides it otherwise)."""
        return True

    def act(self, action: str, build: ActionBuilder | None) -> None:
        """Start a write action if it applies here (bindings already hide the others)."""
        if build is not None and self.check_action(action, ()):
            self.dashboard.start_action(build)
        elif self.dashboard.readonly:
            self.dashboard.refuse_readonly()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
