"""``jobctl workers``, ``worker-stop``, ``worker-kill-horse``, ``suspend`` and ``resume``."""

from __future__ import annotations

from typing import Annotated

import typer

from jobctl.cli.confirm import confirm, plural
from jobctl.cli.options import JsonFlag, YesFlag
from jobctl.cli.render import WORKER_COLUMNS, worker_document, worker_row
from jobctl.cli.state import get_state


def workers(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """List live workers: state, queues, current job, heartbeat, counts.

    Example: jobctl workers --json
    """
    from jobctl.stats import take_snapshot

    state = get_state(ctx)
    snapshot = take_snapshot(state.connect(), state.keys)
    out = state.output
    if json_output or out.json_mode:
        out.json_lines(worker_document(w, snapshot.running.get(w.name))
                       for w in snapshot.workers)
    else:
        out.table(WORKER_COLUMNS, [worker_row(w) for w in snapshot.workers])


def worker_stop(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Worker names.")] = None,
    all_workers: Annotated[bool, typer.Option("--all", help="Every live worker.")] = False,
    yes: YesFlag = False,
) -> None:
    """Warm-stop workers: each finishes its current job, then exits.

    Example: jobctl worker-stop host.1234.ab12cd
    """
    from jobctl.workers import find_worker, list_workers, send_shutdown_command

    state = get_state(ctx)
    if bool(names) == all_workers:
        raise typer.BadParameter("give worker names or --all, not both")
    connection = state.connect()
    if all_workers:
        targets = [w.name for w in list_workers(connection, keys=state.keys)]
        confirm(f"stop {plural(len(targets), 'worker')}", yes)
    else:
        targets = list(names or [])
        for name in targets:
            find_worker(connection, state.keys, name)
    for name in targets:
        send_shutdown_command(connection, name, state.keys.namespace)
        state.output.info(f"asked worker {name} to stop after its current job")


def worker_kill_horse(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Worker name.")],
) -> None:
    """Kill the process running a worker's current job (the job ends as stopped).

    Example: jobctl worker-kill-horse host.1234.ab12cd
    """
    from jobctl.workers import send_kill_horse_command

    state = get_state(ctx)
    send_kill_horse_command(state.connect(), name, state.keys.namespace)
    state.output.info(f"asked worker {name} to kill its current job")


def suspend(
    ctx: typer.Context,
    duration: Annotated[str | None, typer.Option(
        "--duration", help="Resume by itself after this long (e.g. 30m); default: until resume.")
    ] = None,
) -> None:
    """Make every worker finish its current job and take no new one.

    Example: jobctl suspend --duration 15m
    """
    from jobctl.suspension import suspend as suspend_workers
    from jobctl.utils import parse_duration

    state = get_state(ctx)
    seconds = parse_duration(duration, what="--duration")
    suspend_workers(state.connect(), seconds, namespace=state.keys.namespace)
    until = f" for {duration}" if duration else " until 'jobctl resume'"
    state.output.info(f"workers suspended{until}")


def resume(ctx: typer.Context) -> None:
    """Let suspended workers take jobs again.

    Example: jobctl resume
    """
    from jobctl.suspension import resume as resume_workers

    state = get_state(ctx)
    resume_workers(state.connect(), namespace=state.keys.namespace)
    state.output.info("workers resumed")
