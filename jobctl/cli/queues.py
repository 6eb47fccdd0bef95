"""``jobctl queues`` and ``jobctl queue show|empty|delete|pause|resume``."""

from __future__ import annotations

from typing import Annotated

import typer

from jobctl.cli.confirm import confirm, plural
from jobctl.cli.options import DryRunFlag, JsonFlag, YesFlag
from jobctl.cli.render import (
    JOB_COLUMNS,
    QUEUE_COLUMNS,
    job_document,
    job_row,
    queue_document,
    queue_row,
)
from jobctl.cli.state import CliState, get_state
from jobctl.exceptions import NoSuchQueueError
from jobctl.queue import Queue
from jobctl.utils import validate_queue_name

app = typer.Typer(name="queue", help="Inspect and manage one queue.", no_args_is_help=True)
QueueArg = Annotated[str, typer.Argument(help="Queue name.")]


def _existing_queue(state: CliState, name: str) -> Queue:
    """The queue, or exit 5 when it was never used (a typo must not create anything)."""

    validate_queue_name(name)
    connection = state.connect()
    if not connection.sismember(state.keys.queues, name):
        raise NoSuchQueueError(f"no such queue {name!r}")
    return Queue(name, connection=connection, keys=state.keys)


def queues(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """List every queue with its counts per status.

    Example: jobctl queues --json
    """
    from jobctl.stats import take_snapshot

    state = get_state(ctx)
    snapshot = take_snapshot(state.connect(), state.keys)
    out = state.output
    if json_output or out.json_mode:
        out.json_lines(queue_document(q) for q in snapshot.queues)
    else:
        out.table(QUEUE_COLUMNS, [queue_row(q) for q in snapshot.queues])


@app.command("show")
def show(
    ctx: typer.Context,
    name: QueueArg,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0,
                                       help="How many queued jobs to list.")] = 10,
    json_output: JsonFlag = False,
) -> None:
    """Show one queue: counts per status, pause state and the next jobs to run.

    Example: jobctl queue show emails --limit 20
    """
    from jobctl.listing import list_jobs
    from jobctl.stats import take_snapshot

    state = get_state(ctx)
    _existing_queue(state, name)
    snapshot = take_snapshot(state.connect(), state.keys)
    stats = next(q for q in snapshot.queues if q.name == name)
    page = list_jobs(state.connect(), state.keys, name, "queued", limit=limit,
                     newest_first=False)
    out = state.output
    if json_output or out.json_mode:
        out.json({**queue_document(stats), "next_jobs": [job_document(j) for j in page.jobs]})
        return
    out.fields(list(zip(QUEUE_COLUMNS, queue_row(stats), strict=True)))
    if page.jobs:
        out.line()
        out.table(JOB_COLUMNS, [job_row(j) for j in page.jobs], title="next jobs")


@app.command("empty")
def empty(ctx: typer.Context, name: QueueArg, yes: YesFlag = False,
          dry_run: DryRunFlag = False) -> None:
    """Remove every queued job of a queue (running and finished jobs are kept).

    Example: jobctl queue empty emails --yes
    """
    state = get_state(ctx)
    queue = _existing_queue(state, name)
    count = len(queue)
    if dry_run:
        state.output.line(f"would remove {plural(count, 'queued job')} from '{name}'")
        return
    confirm(f"remove {plural(count, 'queued job')} from queue '{name}'", yes)
    removed = queue.empty()
    state.output.info(f"removed {plural(removed, 'job')} from '{name}'")


@app.command("delete")
def delete(ctx: typer.Context, name: QueueArg, yes: YesFlag = False,
           dry_run: DryRunFlag = False) -> None:
    """Delete a queue and its queued jobs; enqueueing to it again re-creates it.

    Example: jobctl queue delete old-queue --dry-run
    """
    state = get_state(ctx)
    queue = _existing_queue(state, name)
    count = len(queue)
    if dry_run:
        state.output.line(f"would delete queue '{name}' and {plural(count, 'queued job')}")
        return
    confirm(f"delete queue '{name}' and its {plural(count, 'queued job')}", yes)
    queue.delete(delete_jobs=True)
    state.output.info(f"deleted queue '{name}'")


@app.command("pause")
def pause(ctx: typer.Context, name: QueueArg) -> None:
    """Stop workers from taking jobs from one queue (running jobs go on).

    Example: jobctl queue pause emails
    """
    state = get_state(ctx)
    _existing_queue(state, name).pause()
    state.output.info(f"paused '{name}'")


@app.command("resume")
def resume(ctx: typer.Context, name: QueueArg) -> None:
    """Let workers take jobs from a paused queue again.

    Example: jobctl queue resume emails
    """
    state = get_state(ctx)
    _existing_queue(state, name).resume()
    state.output.info(f"resumed '{name}'")
