"""``jobctl info`` (the state of a namespace, optionally refreshed) and ``jobctl check``."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from jobctl.cli.exit_codes import ExitCode
from jobctl.cli.options import JsonFlag
from jobctl.cli.output import Output
from jobctl.cli.render import (
    QUEUE_COLUMNS,
    WORKER_COLUMNS,
    queue_document,
    queue_row,
    worker_document,
    worker_row,
)
from jobctl.cli.state import get_state
from jobctl.stats import Snapshot, take_snapshot


def snapshot_document(snapshot: Snapshot) -> dict[str, Any]:
    """The ``info --json`` document: stable names, ISO-8601 UTC times."""
    return {
        "namespace": snapshot.namespace,
        "taken_at": snapshot.taken_at,
        "suspended": snapshot.suspended,
        "totals": snapshot.totals,
        "queues": [queue_document(q) for q in snapshot.queues],
        "workers": [worker_document(w, snapshot.running.get(w.name))
                    for w in snapshot.workers],
    }


def _renderable(snapshot: Snapshot) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from jobctl.cli.output import cell

    queues = Table(title="queues", box=None, header_style="bold")
    for column in QUEUE_COLUMNS:
        queues.add_column(column)
    for q in snapshot.queues:
        queues.add_row(*(Text(cell(v)) for v in queue_row(q)))
    workers = Table(title="workers", box=None, header_style="bold")
    for column in WORKER_COLUMNS:
        workers.add_column(column)
    for w in snapshot.workers:
        workers.add_row(*(Text(cell(v)) for v in worker_row(w)))
    totals = ", ".join(f"{k} {v}" for k, v in snapshot.totals.items())
    state = "SUSPENDED" if snapshot.suspended else "running"
    header = Text(f"{snapshot.namespace}: {totals}; workers {len(snapshot.workers)} ({state})")
    return Group(header, queues, workers)


def _print_plain(snapshot: Snapshot, out: Output) -> None:
    out.table(QUEUE_COLUMNS, [queue_row(q) for q in snapshot.queues])
    out.table(WORKER_COLUMNS, [worker_row(w) for w in snapshot.workers])


def info(
    ctx: typer.Context,
    interval: Annotated[float | None, typer.Option(
        "--interval", "-i", min=0.1, help="Refresh every S seconds until Ctrl-C.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Show queues with counts per status, workers and totals (read-only).

    Example: jobctl info --interval 2
    """
    state = get_state(ctx)
    out = state.output
    as_json = json_output or out.json_mode
    connection = state.connect()
    if as_json or not out.is_terminal:
        while True:
            snapshot = take_snapshot(connection, state.keys)
            if as_json:
                out.json(snapshot_document(snapshot))
            else:
                _print_plain(snapshot, out)
            if interval is None:
                return
            time.sleep(interval)
    from rich.console import Console
    from rich.live import Live

    console = Console(no_color=not out.color, highlight=False)
    if interval is None:
        console.print(_renderable(take_snapshot(connection, state.keys)))
        return
    with Live(console=console, auto_refresh=False) as live:
        while True:
            live.update(_renderable(take_snapshot(connection, state.keys)), refresh=True)
            time.sleep(interval)


def check(
    ctx: typer.Context,
    max_queued: Annotated[int | None, typer.Option(
        "--max-queued", min=0, help="Most queued jobs allowed in any one queue.")] = None,
    max_age: Annotated[float | None, typer.Option(
        "--max-age", min=0, help="Longest wait (seconds) allowed for the oldest queued job.")
    ] = None,
    max_failed: Annotated[int | None, typer.Option(
        "--max-failed", min=0, help="Most failed jobs allowed in any one queue.")] = None,
    min_workers: Annotated[int | None, typer.Option(
        "--min-workers", min=0, help="Fewest live workers required.")] = None,
    queue: Annotated[list[str] | None, typer.Option(
        "--queue", "-q", help="Check only these queues (repeatable).")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Health probe for cron, systemd or Kubernetes: exit 0 if every threshold holds, else 7.

    Example: jobctl check --max-queued 1000 --max-age 300 --min-workers 2
    """
    state = get_state(ctx)
    snapshot = take_snapshot(state.connect(), state.keys)
    chosen = [q for q in snapshot.queues if not queue or q.name in queue]
    problems = []
    for q in chosen:
        age = q.oldest_age()
        if max_queued is not None and q.queued > max_queued:
            problems.append(f"queue '{q.name}': {q.queued} queued > {max_queued}")
        if max_age is not None and age is not None and age > max_age:
            problems.append(f"queue '{q.name}': oldest job waited {age:.0f}s > {max_age:g}s")
        if max_failed is not None and q.failed > max_failed:
            problems.append(f"queue '{q.name}': {q.failed} failed > {max_failed}")
    if min_workers is not None and len(snapshot.workers) < min_workers:
        problems.append(f"{len(snapshot.workers)} live workers < {min_workers}")
    out = state.output
    if json_output or out.json_mode:
        out.json({"ok": not problems, "problems": problems})
    else:
        for problem in problems:
            out.line(problem)
    if problems:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
