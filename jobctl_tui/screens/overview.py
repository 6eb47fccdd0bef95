"""The home view: every queue with its counts and throughput, every worker with its job."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from jobctl.stats import QueueStats, Snapshot
from jobctl.workers import WorkerInfo
from jobctl_tui import actions
from jobctl_tui.models import PollResult
from jobctl_tui.screens.base import ViewScreen
from jobctl_tui.widgets.queues_table import QueuesTable
from jobctl_tui.widgets.workers_table import WorkersTable

_QUEUE_ACTIONS = frozenset({"requeue_failed", "empty", "toggle_pause"})
_WORKER_ACTIONS = frozenset({"stop_worker", "stop_job"})


class OverviewScreen(ViewScreen):
    """Queues on top, workers below; enter opens a queue or a worker's current job."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", tooltip="Quit jobctl top"),
        Binding("escape", "back", "", show=False),
        Binding("f", "open_failed", "Failed", show=False,
                tooltip="Open the failed registry of the selected queue"),
        Binding("R", "requeue_failed", "Requeue failed",
                tooltip="Requeue every failed job of the selected queue"),
        Binding("E", "empty", "Empty", tooltip="Delete every queued job of the selected queue"),
        Binding("P", "toggle_pause", "Pause/resume",
                tooltip="Pause or resume the selected queue"),
        Binding("W", "stop_worker", "Stop worker",
                tooltip="Warm-stop the selected worker (it finishes its job, then exits)"),
        Binding("S", "stop_job", "Stop job", tooltip="Stop the selected worker's current job"),
    ]
    WRITE_ACTIONS = _QUEUE_ACTIONS | _WORKER_ACTIONS

    def compose_body(self) -> ComposeResult:
        yield Static(id="queues-title", classes="section-title")
        yield QueuesTable(id="queues")
        yield Static(id="workers-title", classes="section-title")
        yield WorkersTable(id="workers")

    def on_mount(self) -> None:
        self.query_one(QueuesTable).focus()
        self._titles(None)

    def show_result(self, result: PollResult) -> None:
        now = self.dashboard.now()
        self.query_one(QueuesTable).show(result.snapshot, now)
        self.query_one(WorkersTable).show(result.snapshot, now)
        self._titles(result.snapshot)
        self.refresh_bindings()

    def _titles(self, snapshot: Snapshot | None) -> None:
        queues = Text("Queues", style="bold")
        workers = Text("Workers", style="bold")
        if snapshot is not None:
            totals = snapshot.totals
            queues.append(f" {len(snapshot.queues)}  ", style="bold")
            queues.append(f"queued {totals['queued']:,} · running {totals['started']:,} · "
                          f"failed {totals['failed']:,}", style="dim")
            workers.append(f" {len(snapshot.workers)}", style="bold")
            busy = sum(1 for w in snapshot.workers if w.current_job_id)
            workers.append(f"  busy {busy}", style="dim")
            if snapshot.suspended:
                workers.append("  all workers suspended", style="bold yellow")
        self.query_one("#queues-title", Static).update(queues)
        self.query_one("#workers-title", Static).update(workers)

    # -- selection ---------------------------------------------------------------------------

    def selected_queue(self) -> QueueStats | None:
        table = self.query_one(QueuesTable)
        snapshot = self.dashboard.snapshot
        if not table.has_focus or snapshot is None:
            return None
        return next((q for q in snapshot.queues if q.name == table.selected_key), None)

    def selected_worker(self) -> WorkerInfo | None:
        table = self.query_one(WorkersTable)
        snapshot = self.dashboard.snapshot
        if not table.has_focus or snapshot is None:
            return None
        return next((w for w in snapshot.workers if w.name == table.selected_key), None)

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from jobctl_tui.screens.job import JobScreen
        from jobctl_tui.screens.jobs import JobsScreen

        if isinstance(event.data_table, QueuesTable) and (queue := self.selected_queue()):
            self.app.push_screen(JobsScreen(queue.name))
        elif (worker := self.selected_worker()) and worker.current_job_id:
            self.app.push_screen(JobScreen(worker.current_job_id))

    def action_open_failed(self) -> None:
        from jobctl_tui.screens.jobs import JobsScreen

        if queue := self.selected_queue():
            self.app.push_screen(JobsScreen(queue.name, "failed"))

    # -- actions -----------------------------------------------------------------------------

    def action_applies(self, action: str) -> bool:
        if action in _QUEUE_ACTIONS:
            queue = self.selected_queue()
            if queue is None:
                return False
            return {"requeue_failed": queue.failed > 0, "empty": queue.queued > 0}.get(action, True)
        worker = self.selected_worker()
        if worker is None:
            return False
        return action == "stop_worker" or worker.current_job_id is not None

    def action_requeue_failed(self) -> None:
        queue = self.selected_queue()
        source = self.dashboard.source
        if queue is not None and self.check_action("requeue_failed", ()):
            self.notify(f"Counting the failed jobs of '{queue.name}'…", timeout=2, markup=False)
        self.act("requeue_failed",
                 actions.requeue_matching(source, queue.name, "failed", "") if queue else None)

    def action_empty(self) -> None:
        queue = self.selected_queue()
        self.act("empty", actions.empty_queue(self.dashboard.source, queue.name) if queue else None)

    def action_toggle_pause(self) -> None:
        queue = self.selected_queue()
        source = self.dashboard.source
        self.act("toggle_pause",
                 actions.set_paused(source, queue.name, not queue.paused) if queue else None)

    def action_stop_worker(self) -> None:
        worker = self.selected_worker()
        source = self.dashboard.source
        self.act("stop_worker", actions.stop_worker(source, worker.name, worker.current_job_id)
                 if worker else None)

    def action_stop_job(self) -> None:
        worker = self.selected_worker()
        snapshot = self.dashboard.snapshot
        if worker is None or worker.current_job_id is None or snapshot is None:
            self.act("stop_job", None)
            return
        running = snapshot.running.get(worker.name)
        func = running.func_name if running else ""
        self.act("stop_job", actions.stop_job(self.dashboard.source, worker.current_job_id, func,
                                              worker.name))
