"""The job view: everything about one job, re-read on every poll."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from jobctl_tui import actions
from jobctl_tui.models import DetailRequest, JobDetail, PollResult
from jobctl_tui.screens.base import ViewScreen
from jobctl_tui.widgets.job_view import JobView

_REQUEUEABLE = frozenset({"failed", "stopped", "canceled"})
_CANCELABLE = frozenset({"queued", "deferred", "scheduled"})


class JobScreen(ViewScreen):
    """One job by id; values are cut to a line until ``v`` shows them whole."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_full", "Full values", tooltip="Show values whole / cut to a line"),
        Binding("R", "requeue", "Requeue", tooltip="Requeue this failed/stopped/canceled job"),
        Binding("D", "delete", "Delete", tooltip="Delete this job"),
        Binding("C", "cancel", "Cancel", tooltip="Cancel this queued/deferred/scheduled job"),
        Binding("S", "stop", "Stop", tooltip="Stop this running job"),
    ]
    WRITE_ACTIONS = frozenset({"requeue", "delete", "cancel", "stop"})

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id
        self.detail: JobDetail | None = None
        self.full = False
        self._loaded = False

    def compose_body(self) -> ComposeResult:
        yield JobView(id="job")

    def on_mount(self) -> None:
        self.query_one(JobView).focus()

    def view_request(self) -> DetailRequest:
        return DetailRequest(self.job_id)

    def show_result(self, result: PollResult) -> None:
        if result.request != self.view_request():
            return
        if self._loaded and result.detail == self.detail:
            return  # unchanged: keep the scroll position and skip the re-render
        self._loaded = True
        self.detail = result.detail
        self._render_detail()
        self.refresh_bindings()

    def _render_detail(self) -> None:
        view = self.query_one(JobView)
        if self.detail is None:
            view.show_missing(self.job_id)
        else:
            view.show(self.detail, self.dashboard.now(), self.dashboard.tz, self.full)

    def action_toggle_full(self) -> None:
        self.full = not self.full
        if self._loaded:
            self._render_detail()

    def action_applies(self, action: str) -> bool:
        status = self.detail.status if self.detail else None
        return {
            "requeue": status in _REQUEUEABLE,
            "delete": status is not None,
            "cancel": status in _CANCELABLE,
            "stop": status == "started",
        }.get(action, False)

    def action_requeue(self) -> None:
        job = self.detail
        self.act("requeue", actions.requeue_one(self.dashboard.source, job.origin, job.id,
                                                job.func_name) if job else None)

    def action_delete(self) -> None:
        job = self.detail
        self.act("delete", actions.delete_one(self.dashboard.source, job.origin, job.id,
                                              job.func_name, job.status) if job else None)

    def action_cancel(self) -> None:
        job = self.detail
        self.act("cancel", actions.cancel_one(self.dashboard.source, job.origin, job.id,
                                              job.func_name, job.status) if job else None)

    def action_stop(self) -> None:
        job = self.detail
        self.act("stop", actions.stop_job(self.dashboard.source, job.id, job.func_name,
                                          job.worker_name) if job else None)
