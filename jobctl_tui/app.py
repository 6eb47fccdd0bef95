"""The dashboard app: wires a data source to the views, runs the poller and the actions.

Views are screens (``jobctl_tui.screens``); widgets live one per module; styles in
``jobctl.tcss``. Everything that touches Redis runs in thread workers and comes back as a
message (``jobctl_tui.messages``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import tzinfo
from functools import partial
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen

from jobctl.display import escape
from jobctl.stats import Snapshot
from jobctl_tui.format import interval as show_interval
from jobctl_tui.messages import ActionFinished, ActionPrepared, PollFailed, PollSucceeded
from jobctl_tui.models import Action, ActionBuilder, PollResult, PollStatus, ViewRequest
from jobctl_tui.poller import Poller
from jobctl_tui.screens.base import ViewScreen
from jobctl_tui.screens.confirm import ConfirmScreen
from jobctl_tui.screens.help import HelpScreen, HelpSection, as_bindings
from jobctl_tui.screens.job import JobScreen
from jobctl_tui.screens.jobs import JobsScreen
from jobctl_tui.screens.overview import OverviewScreen
from jobctl_tui.source import DataSource, ReadOnlySource


class JobctlApp(App[None]):
    """``jobctl top``. ``now`` and ``tz`` are injectable so tests render fixed times."""

    CSS_PATH = "jobctl.tcss"
    TITLE = "jobctl top"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?", tooltip="This help"),
        Binding("r", "refresh", "Refresh", show=False, tooltip="Refresh now"),
        Binding("p", "toggle_polling", "Pause polling", show=False,
                tooltip="Pause / resume polling (r still refreshes)"),
        Binding("plus,equals_sign", "interval(1)", "Slower", show=False, key_display="+",
                tooltip="Refresh less often (longer interval)"),
        Binding("minus", "interval(-1)", "Faster", show=False, key_display="-",
                tooltip="Refresh more often (shorter interval)"),
    ]

    def __init__(self, source: DataSource, *, interval: float = 2.0, readonly: bool = False,
                 now: Callable[[], float] = time.time, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.readonly = readonly
        self.source: DataSource = ReadOnlySource(source) if readonly else source
        self.now = now
        self.tz = tz
        self.last_result: PollResult | None = None
        self.status = PollStatus(url=source.url, namespace=source.namespace, interval=interval)
        self.poller = Poller(self, self.source, interval, self._view_request)

    def get_default_screen(self) -> Screen[None]:
        return OverviewScreen()

    @property
    def snapshot(self) -> Snapshot | None:
        return self.last_result.snapshot if self.last_result else None

    # -- polling -----------------------------------------------------------------------------

    def poll_now(self) -> None:
        self.poller.poll_now()

    def _view(self) -> ViewScreen | None:
        return next((s for s in reversed(self.screen_stack) if isinstance(s, ViewScreen)), None)

    def _view_request(self) -> ViewRequest:
        view = self._view()
        return view.view_request() if view is not None else None

    def on_poll_succeeded(self, message: PollSucceeded) -> None:
        snapshot = message.result.snapshot
        self.last_result = message.result
        self.status.taken_at, self.status.duration = snapshot.taken_at, snapshot.duration
        self.status.error, self.status.unreachable = None, False
        self.status.polls += 1
        self._update_view(message.result)
        self.poller.finished()

    def on_poll_failed(self, message: PollFailed) -> None:
        self.status.error, self.status.unreachable = message.error, message.unreachable
        self._update_view(None)
        self.poller.finished()

    def _update_view(self, result: PollResult | None) -> None:
        view = self._view()
        if view is None or not view.is_mounted:
            return
        try:
            view.show_status(self.status)
            if result is not None:
                view.show_result(result)
        except NoMatches:
            # A screen just pushed can be current before its widgets are mounted; it shows
            # the last data itself when it is (on_screen_resume), so nothing is lost.
            return

    # -- actions -----------------------------------------------------------------------------

    def refuse_readonly(self) -> None:
        self.notify("Read-only mode: actions are disabled.", severity="warning", markup=False)

    def start_action(self, build: ActionBuilder) -> None:
        """Prepare in a thread, confirm in a modal, run in a thread, then poll at once."""
        if self.readonly:
            self.refuse_readonly()
            return
        self.run_worker(partial(self._prepare, build), name="prepare-action", group="action",
                        thread=True, exit_on_error=False)

    def _prepare(self, build: ActionBuilder) -> None:
        try:
            self.post_message(ActionPrepared(build()))
        except Exception as exc:
            self.post_message(ActionFinished(_failure("Could not prepare the action", exc), False))

    def on_action_prepared(self, message: ActionPrepared) -> None:
        if isinstance(message.action, str):
            self.notify(message.action, markup=False)
            return
        if isinstance(self.screen, ConfirmScreen):
            return  # a key pressed twice: one question at a time
        self.push_screen(ConfirmScreen(message.action), partial(self._confirmed, message.action))

    def _confirmed(self, action: Action, yes: bool | None) -> None:
        if yes and not self.readonly:
            self.run_worker(partial(self._run, action), name="run-action", group="action",
                            thread=True, exit_on_error=False)

    def _run(self, action: Action) -> None:
        try:
            self.post_message(ActionFinished(action.run(), True))
        except Exception as exc:
            self.post_message(ActionFinished(_failure("Failed", exc), False))

    def on_action_finished(self, message: ActionFinished) -> None:
        self.notify(message.text, severity="information" if message.ok else "error",
                    markup=False, timeout=6)
        self.poll_now()

    # -- app-wide keys -----------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.poll_now()

    def action_toggle_polling(self) -> None:
        self.status.paused = self.poller.toggle_paused()
        self._update_view(None)

    def action_interval(self, step: int) -> None:
        self.status.interval = self.poller.step_interval(step)
        self._update_view(None)
        self.notify(f"Refreshing every {show_interval(self.status.interval)}", timeout=2,
                    markup=False)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections(), self.readonly))

    def help_sections(self) -> list[HelpSection]:
        views: list[tuple[str, type[ViewScreen]]] = [
            ("Overview", OverviewScreen), ("Queue / registry", JobsScreen), ("Job", JobScreen)]
        sections: list[HelpSection] = [("Everywhere", [
            *as_bindings(self.BINDINGS), Binding("ctrl+q", "", tooltip="Quit from any view")])]
        for title, view in views:
            bindings = [b for b in as_bindings(view.BINDINGS)
                        if not (self.readonly and b.action.split("(")[0] in view.WRITE_ACTIONS)]
            sections.append((title, bindings))
        sections[-1][1].append(Binding("j,k,up,down", "", tooltip="Scroll"))
        sections.append(("Lists", [Binding("j,k,up,down", "", tooltip="Move"),
                                   Binding("enter", "", tooltip="Open the selected row")]))
        sections.append(("Confirmation", as_bindings(ConfirmScreen.BINDINGS)))
        return sections


def _failure(what: str, exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return escape(f"{what}: {type(exc).__name__}: {lines[0] if lines else ''}")
