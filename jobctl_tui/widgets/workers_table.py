"""The overview's workers table: state, current job against its timeout, heartbeat, counts."""

from __future__ import annotations

from rich.text import Text

from jobctl.stats import RunningJob, Snapshot
from jobctl.workers import WorkerInfo
from jobctl_tui.format import age, clip, compact, elapsed_against, since
from jobctl_tui.widgets.keyed_table import Cell, Column, KeyedTable

STALE_HEARTBEAT = 30.0
"""Seconds without a heartbeat after which the age shows in red (the default lease)."""
_FIXED = 6 + 12 + 5 + 10  # state, running, heartbeat, done/failed
_STATE_STYLES = {"busy": "green", "idle": "dim", "suspended": "yellow"}


class WorkersTable(KeyedTable):
    """One row per worker, keyed by worker name."""

    def column_specs(self, width: int) -> list[Column]:
        spare = max(40, width - _FIXED)
        name, host, queues = spare // 4, spare // 4, spare * 2 // 9
        return [
            Column("name", "worker", name),
            Column("host", "host/pid", host),
            Column("state", "state", 6),
            Column("queues", "queues", queues),
            Column("job", "current job", spare - name - host - queues),
            Column("running", "running", 12, right=True),
            Column("heartbeat", "beat", 5, right=True),
            Column("counts", "done/fail", 10, right=True),
        ]

    def show(self, snapshot: Snapshot, now: float) -> None:
        width = (self.size.width or self.app.size.width) - 2
        rows = [(w.name, self._row(w, snapshot.running.get(w.name), now))
                for w in snapshot.workers]
        self.sync(self.column_specs(width), rows)

    @staticmethod
    def _row(worker: WorkerInfo, job: RunningJob | None, now: float) -> list[Cell]:
        beat = since(worker.last_heartbeat, now)
        current: Cell = ""
        if worker.current_job_id:
            func = job.func_name if job and job.func_name else "?"
            current = Text(clip(f"{func} {worker.current_job_id}", 200))
        elapsed = since(job.started_at, now) if job else None
        counts = Text(compact(worker.successful_job_count) + "/")
        counts.append(compact(worker.failed_job_count),
                      style="red" if worker.failed_job_count else "")
        return [
            Text(clip(worker.name, 200), style="bold"),
            clip(f"{worker.hostname}/{worker.pid}", 200),
            Text(clip(worker.state, 20), style=_STATE_STYLES.get(worker.state, "")),
            clip(",".join(worker.queue_names), 200),
            current,
            elapsed_against(elapsed, job.timeout if job else None)
            if worker.current_job_id else "",
            Text(age(beat), style="red" if beat and beat > STALE_HEARTBEAT else ""),
            counts,
        ]
