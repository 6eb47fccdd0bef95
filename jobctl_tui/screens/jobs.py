"""The queue view: the jobs of one queue or one of its registries, a page at a time, with a
registry switcher, a ``/`` filter, and the actions that fit the selected job."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static

from jobctl.display import escape
from jobctl.listing import JobPage, JobSummary
from jobctl.stats import QueueStats
from jobctl_tui import actions
from jobctl_tui.format import count
from jobctl_tui.models import LOCATIONS, PageRequest, PollResult
from jobctl_tui.screens.base import ViewScreen
from jobctl_tui.widgets.filter_bar import FilterBar
from jobctl_tui.widgets.jobs_table import JobsTable
from jobctl_tui.widgets.location_bar import LocationBar

DEFAULT_PAGE = 20
_REQUEUEABLE = frozenset({"failed", "stopped", "canceled"})
_CANCELABLE = frozenset({"queued", "deferred", "scheduled"})


class JobsScreen(ViewScreen):
    """One queue, one location at a time (newest first; the queue itself head first)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab,l", "location(1)", "Lists", tooltip="Next registry (tab, l)"),
        Binding("shift+tab,h", "location(-1)", "Prev", show=False,
                tooltip="Previous registry (shift+tab, h)"),
        Binding("slash", "filter", "Filter", key_display="/",
                tooltip="Filter on function name, job id or exception text"),
        Binding("right_square_bracket", "page(1)", "Page", key_display="]",
                tooltip="Next page"),
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="[", show=False,
                tooltip="Previous page"),
        Binding("R", "requeue", "Requeue", tooltip="Requeue the selected failed/canceled job"),
        Binding("A", "requeue_all", "All",
                tooltip="Requeue every job of this registry that matches the filter"),
        Binding("D", "delete", "Delete", tooltip="Delete the selected job"),
        Binding("C", "cancel", "Cancel", tooltip="Cancel the selected queued job"),
        Binding("S", "stop", "Stop", tooltip="Stop the selected running job"),
        Binding("E", "empty", "Empty", show=False, tooltip="Delete every queued job of the queue"),
        Binding("P", "toggle_pause", "Pause/resume", show=False,
                tooltip="Pause or resume this queue"),
    ]
    WRITE_ACTIONS = frozenset({"requeue", "requeue_all", "delete", "cancel", "stop", "empty",
                               "toggle_pause"})

    def __init__(self, queue: str, location: str = "queued") -> None:
        super().__init__()
        self.queue = queue
        self.location = location
        self.page_start = 0
        self.text = ""
        self.page: JobPage | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="queue-title", classes="section-title")
        yield LocationBar(id="locations")
        yield FilterBar()
        yield JobsTable(id="jobs")
        yield Static(id="pager")

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.query_one(JobsTable).focus()
        self._show_header()

    # -- polling -----------------------------------------------------------------------------

    def view_request(self) -> PageRequest:
        height = self.query_one(JobsTable).size.height
        limit = max(5, height - 1) if height > 1 else DEFAULT_PAGE
        return PageRequest(self.queue, self.location, self.page_start, limit, self.text)

    def _matches(self, request: object) -> bool:
        return isinstance(request, PageRequest) and (
            request.queue, request.location, request.offset, request.text
        ) == (self.queue, self.location, self.page_start, self.text)

    def show_result(self, result: PollResult) -> None:
        self._show_header()
        if result.page is not None and self._matches(result.request):
            self.page = result.page
            self.query_one(JobsTable).show(result.page.jobs, self.location, self.dashboard.now())
            self._show_pager()
        self.refresh_bindings()

    def on_resize(self) -> None:
        if self.page is not None and len(self.page.jobs) != self.view_request().limit:
            self.dashboard.poll_now()

    def stats(self) -> QueueStats | None:
        snapshot = self.dashboard.snapshot
        if snapshot is None:
            return None
        return next((q for q in snapshot.queues if q.name == self.queue), None)

    def _show_header(self) -> None:
        stats = self.stats()
        title = Text("Queue ", style="bold")
        title.append(escape(self.queue), style="bold cyan")
        if stats is not None and stats.paused:
            title.append("  ⏸ paused", style="bold yellow")
        if stats is None and self.dashboard.snapshot is not None:
            title.append("  (no such queue any more)", style="yellow")
        self.query_one("#queue-title", Static).update(title)
        self.query_one(LocationBar).show(self.location, stats)

    def _show_pager(self) -> None:
        text = Text(style="dim")
        page = self.page
        if page is not None:
            first, last = self.page_start + 1, self.page_start + len(page.jobs)
            span = f"{count(first)}-{count(last)}" if page.jobs else "no jobs"
            if self.text:
                text.append(f"matches {span} · filter '{escape(self.text)}' over "
                            f"{count(page.total)} {self.location}")
            else:
                text.append(f"{span} of {count(page.total)}")
            order = "head first" if self.location == "queued" else "newest first"
            number = self.page_start // max(1, self.view_request().limit) + 1
            text.append(f" · {order} · page {number}")
        self.query_one("#pager", Static).update(text)

    # -- navigation --------------------------------------------------------------------------

    def _reload(self) -> None:
        self.page = None
        self.query_one(JobsTable).show([], self.location, self.dashboard.now())
        self.query_one("#pager", Static).update(Text("loading…", style="dim"))
        self._show_header()
        self.refresh_bindings()
        self.dashboard.poll_now()

    def action_location(self, step: int) -> None:
        index = (LOCATIONS.index(self.location) + step) % len(LOCATIONS)
        self.location, self.page_start = LOCATIONS[index], 0
        self._reload()

    def action_page(self, step: int) -> None:
        limit = self.view_request().limit
        if step < 0 and self.page_start > 0:
            self.page_start = max(0, self.page_start - limit)
        elif step > 0 and self.page is not None and self._has_next(limit):
            self.page_start += limit
        else:
            return
        self._reload()

    def _has_next(self, limit: int) -> bool:
        page = self.page
        if page is None:
            return False
        if self.text:
            return not page.exhausted
        return self.page_start + limit < page.total

    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.value = self.text
        bar.display = True
        bar.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(FilterBar).display = False
        self.query_one(JobsTable).focus()
        text = event.value.strip()
        if text != self.text:
            self.text, self.page_start = text, 0
            self._reload()

    def on_data_table_row_selected(self, _: DataTable.RowSelected) -> None:
        from jobctl_tui.screens.job import JobScreen

        if job := self.selected():
            self.app.push_screen(JobScreen(job.id))

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    # -- actions -----------------------------------------------------------------------------

    def selected(self) -> JobSummary | None:
        key = self.query_one(JobsTable).selected_key
        jobs = self.page.jobs if self.page else []
        return next((j for j in jobs if j.id == key), None)

    def action_applies(self, action: str) -> bool:
        job, stats = self.selected(), self.stats()
        status = job.status if job else ""
        return {
            "requeue": status in _REQUEUEABLE,
            "requeue_all": self.location in actions.REQUEUEABLE_LOCATIONS
            and bool(self.page and self.page.jobs),
            "delete": job is not None,
            "cancel": status in _CANCELABLE,
            "stop": status == "started",
            "empty": stats is not None and stats.queued > 0,
            "toggle_pause": stats is not None,
        }.get(action, False)

    def action_requeue(self) -> None:
        job = self.selected()
        self.act("requeue", actions.requeue_one(self.dashboard.source, self.queue, job.id,
                                                job.func_name) if job else None)

    def action_requeue_all(self) -> None:
        if self.check_action("requeue_all", ()):
            self.notify("Counting the jobs that match…", timeout=2, markup=False)
        self.act("requeue_all", actions.requeue_matching(self.dashboard.source, self.queue,
                                                         self.location, self.text))

    def action_delete(self) -> None:
        job = self.selected()
        self.act("delete", actions.delete_one(self.dashboard.source, self.queue, job.id,
                                              job.func_name, job.status) if job else None)

    def action_cancel(self) -> None:
        job = self.selected()
        self.act("cancel", actions.cancel_one(self.dashboard.source, self.queue, job.id,
                                              job.func_name, job.status) if job else None)

    def action_stop(self) -> None:
        job = self.selected()
        self.act("stop", actions.stop_job(self.dashboard.source, job.id, job.func_name,
                                          job.worker_name) if job else None)

    def action_empty(self) -> None:
        self.act("empty", actions.empty_queue(self.dashboard.source, self.queue))

    def action_toggle_pause(self) -> None:
        stats = self.stats()
        self.act("toggle_pause", actions.set_paused(self.dashboard.source, self.queue,
                                                    not stats.paused) if stats else None)
