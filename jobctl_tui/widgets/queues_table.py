"""The overview's queues table: counts per status, throughput with a sparkline, oldest wait."""

from __future__ import annotations

from rich.text import Text

from jobctl.stats import QueueStats, Snapshot
from jobctl_tui.format import age, clip, compact, rate, sparkline
from jobctl_tui.widgets.keyed_table import Cell, Column, KeyedTable

_COUNTS = (("queued", "queued", 7), ("started", "started", 8), ("deferred", "defer", 6),
           ("scheduled", "sched", 6), ("failed", "failed", 7), ("finished", "done", 6))
_FIXED = 2 + sum(w for _, _, w in _COUNTS) + 6 + 7 + 1  # paused, counts, /min, oldest, gap


class QueuesTable(KeyedTable):
    """One row per queue, keyed by queue name."""

    def column_specs(self, width: int) -> list[Column]:
        spare = max(20, width - _FIXED)
        trend = min(30, max(6, spare // 2 - 2))  # minutes of history shown
        return [
            Column("name", "queue", spare - trend),
            Column("paused", "", 2),
            *(Column(key, label, w, right=True) for key, label, w in _COUNTS),
            Column("rate", "/min", 6, right=True),
            Column("trend", label if len(label := f"{trend}m trend") <= trend else "trend",
                   trend + 1),
            Column("oldest", "oldest", 7, right=True),
        ]

    def show(self, snapshot: Snapshot, now: float) -> None:
        width = (self.size.width or self.app.size.width) - 2
        columns = self.column_specs(width)
        trend = columns[-2].width - 1
        self.sync(columns, [(q.name, self._row(q, now, trend)) for q in snapshot.queues])

    @staticmethod
    def _row(queue: QueueStats, now: float, trend: int) -> list[Cell]:
        counts: list[Cell] = []
        for key, _, _ in _COUNTS:
            value = getattr(queue, key)
            style = "bold red" if key == "failed" and value else "dim" if not value else ""
            counts.append(Text(compact(value), style=style))
        oldest = queue.oldest_age(now)
        return [
            Text(clip(queue.name, 200), style="bold"),
            Text("⏸", style="yellow") if queue.paused else "",
            *counts,
            compact(rate(queue.finished_per_minute, queue.failed_per_minute)),
            sparkline(queue.finished_per_minute, queue.failed_per_minute, trend),
            Text(age(oldest), style="yellow" if oldest and oldest > 300 else ""),
        ]
