"""The jobs of one queue or registry, one page at a time, newest first."""

from __future__ import annotations

from rich.text import Text

from jobctl.listing import JobSummary
from jobctl_tui.format import age, clip, elapsed_against, since
from jobctl_tui.widgets.keyed_table import Cell, Column, KeyedTable

STATUS_STYLES = {
    "queued": "cyan", "started": "green", "finished": "dim green", "failed": "bold red",
    "stopped": "red", "canceled": "yellow", "deferred": "magenta", "scheduled": "blue",
}
# Per location: the time column (label, which timestamp) and the detail column's label.
_WHEN = {
    "queued": ("waiting", "enqueued_at"), "started": ("running", "started_at"),
    "scheduled": ("created", "created_at"), "deferred": ("waiting", "created_at"),
    "failed": ("ended", "ended_at"), "finished": ("ended", "ended_at"),
    "canceled": ("ended", "ended_at"),
}
_DETAIL = {"failed": "error", "started": "worker", "finished": "worker"}


class JobsTable(KeyedTable):
    """Rows keyed by job id."""

    def column_specs(self, width: int, location: str) -> list[Column]:
        id_width = 34 if width >= 140 else 13 if width >= 100 else 10
        spare = max(30, width - id_width - 10 - 10)
        func = spare * 2 // 5
        return [
            Column("id", "id", id_width),
            Column("status", "status", 10),
            Column("when", _WHEN[location][0], 10, right=True),
            Column("func", "function", func),
            Column("detail", _DETAIL.get(location, "description"), spare - func),
        ]

    def show(self, jobs: list[JobSummary], location: str, now: float) -> None:
        width = (self.size.width or self.app.size.width) - 2
        rows = [(j.id, self._row(j, location, now)) for j in jobs]
        self.sync(self.column_specs(width, location), rows)

    @staticmethod
    def _row(job: JobSummary, location: str, now: float) -> list[Cell]:
        moment = getattr(job, _WHEN[location][1])
        when: Cell = (elapsed_against(since(moment, now), job.timeout) if location == "started"
                      else age(since(moment, now)))
        if location == "failed":
            detail: Cell = Text(clip(job.exc_summary or "", 500), style="red")
        elif location in _DETAIL:
            detail = clip(job.worker_name or "", 200)
        else:
            detail = Text(clip(job.description or "", 500), style="dim")
        return [
            clip(job.id, 200),
            Text(clip(job.status, 20), style=STATUS_STYLES.get(job.status, "")),
            when,
            clip(job.func_name, 500),
            detail,
        ]
