"""``jobctl enqueue``: put a call on a queue from the shell, checked before anything is written."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Any

import typer

from jobctl.cli.arguments import parse_call_arguments, parse_meta
from jobctl.cli.exit_codes import ExitCode
from jobctl.cli.options import JsonFlag, PathOption
from jobctl.cli.paths import add_import_paths
from jobctl.cli.state import get_state
from jobctl.execution import check_allowed
from jobctl.payload import EnqueueOptions, prepare_job
from jobctl.retry import Retry
from jobctl.serializers import resolve_serializer
from jobctl.utils import parse_duration, resolve_callable, validate_callable_path

EXAMPLE = "Example: jobctl enqueue tasks.add --arg :2 --arg :3 --queue default --wait"


def enqueue(
    ctx: typer.Context,
    func: Annotated[
        str,
        typer.Argument(
            help="Dotted path of the callable: module.function or module:object.method."
        ),
    ],
    arg: Annotated[
        list[str] | None,
        typer.Option(
            "--arg", help="Positional argument: VALUE (string), :JSON, or @FILE (@- is stdin)."
        ),
    ] = None,
    kwarg: Annotated[
        list[str] | None,
        typer.Option("--kwarg", help="Keyword argument: KEY=VALUE, KEY:=JSON or KEY=@FILE."),
    ] = None,
    queue: Annotated[str, typer.Option("--queue", "-q", help="Queue name.")] = "default",
    timeout: Annotated[
        str | None,
        typer.Option("--timeout", help="Longest run time: seconds, 30s, 5m, 2h; -1 for none."),
    ] = None,
    result_ttl: Annotated[
        str | None,
        typer.Option("--result-ttl", help="Seconds to keep the result (default 500; -1 forever)."),
    ] = None,
    ttl: Annotated[
        str | None,
        typer.Option("--ttl", help="Longest wait in the queue before the job is discarded."),
    ] = None,
    failure_ttl: Annotated[
        str | None,
        typer.Option(
            "--failure-ttl", help="How long to keep the job if it fails (default one year)."
        ),
    ] = None,
    depends_on: Annotated[
        list[str] | None,
        typer.Option("--depends-on", help="Id of a job that must finish first (repeatable)."),
    ] = None,
    job_id: Annotated[str | None, typer.Option("--job-id", help="Set the job id.")] = None,
    at_front: Annotated[
        bool, typer.Option("--at-front", help="Put the job at the front of the queue.")
    ] = False,
    description: Annotated[
        str | None, typer.Option("--description", help="A description for the job.")
    ] = None,
    meta: Annotated[
        list[str] | None,
        typer.Option("--meta", help="Metadata KEY=VALUE or KEY:=JSON (repeatable)."),
    ] = None,
    retry: Annotated[
        int | None, typer.Option("--retry", min=1, help="Retry a failing job up to N times.")
    ] = None,
    retry_interval: Annotated[
        list[int] | None,
        typer.Option("--retry-interval", min=0, help="Seconds before each retry (repeatable)."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Run at this time: ISO-8601 with a zone, e.g. 2026-12-01T09:00:00Z "
            "(needs a worker --with-scheduler).",
        ),
    ] = None,
    in_: Annotated[
        str | None,
        typer.Option(
            "--in", help="Run after this delay: 30s, 5m, 2h (needs a worker --with-scheduler)."
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="Wait for the job to end, print its result, exit with its outcome."
        ),
    ] = False,
    wait_timeout: Annotated[
        float | None,
        typer.Option("--wait-timeout", help="Give up waiting after this many seconds (exit 1)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only the job id.")] = False,
    import_check: Annotated[
        bool,
        typer.Option(
            "--import-check/--no-import-check",
            help="Import the callable before enqueueing (skip for producers without the code).",
        ),
    ] = True,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow", help="Only accept callables under this module prefix (repeatable)."
        ),
    ] = None,
    path: PathOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Enqueue a call to FUNC with typed arguments.

    Example: jobctl enqueue tasks.add --arg :2 --arg :3 --queue default --wait
    """
    state = get_state(ctx)
    out = state.output
    validate_callable_path(func)
    check_allowed(func, tuple(allow or ()))
    add_import_paths(path)
    if import_check:
        resolve_callable(func)
    # Checked here so errors name the option typed (--timeout), not the library's job_timeout.
    durations = {
        "--timeout": parse_duration(timeout, what="--timeout", allow_infinite=True),
        "--result-ttl": parse_duration(
            result_ttl, what="--result-ttl", allow_infinite=True, allow_zero=True
        ),
        "--ttl": parse_duration(ttl, what="--ttl", allow_infinite=True),
        "--failure-ttl": parse_duration(
            failure_ttl, what="--failure-ttl", allow_infinite=True, allow_zero=True
        ),
    }
    due = due_time(at, in_)
    args, kwargs = parse_call_arguments(arg or [], kwarg or [])
    options = EnqueueOptions(
        job_timeout=durations["--timeout"],
        result_ttl=durations["--result-ttl"],
        ttl=durations["--ttl"],
        failure_ttl=durations["--failure-ttl"],
        description=description,
        depends_on=list(depends_on or []) or None,
        job_id=job_id,
        at_front=at_front,
        meta=parse_meta(meta or []) or None,
        retry=Retry(retry, retry_interval or 0) if retry else None,
    )
    if retry_interval and not retry:
        raise typer.BadParameter("--retry-interval needs --retry N")
    serializer = resolve_serializer(state.serializer)
    from jobctl.utils import validate_queue_name

    validate_queue_name(queue)
    prepared = prepare_job(
        func, tuple(args), kwargs, options, queue_name=queue, serializer=serializer
    )
    from jobctl.queue import Queue

    connection = state.connect()
    job = Queue(
        queue, connection=connection, serializer=serializer, keys=state.keys
    ).enqueue_prepared(prepared, due=due)
    status = job.get_status(refresh=False)
    if json_output or out.json_mode:
        if not wait:
            out.json(
                {
                    "id": job.id,
                    "queue": queue,
                    "func": func,
                    "status": status.value if status else None,
                }
            )
    elif wait:  # stdout is for the result alone: RESULT=$(jobctl enqueue ... --wait)
        if out.is_terminal and not (quiet or out.quiet):
            out.info(f"enqueued {job.id} on '{queue}'; waiting for it to end")
    elif quiet or out.quiet or not out.is_terminal:
        out.line(job.id)
    else:
        out.line(job.id)
        out.info(f"enqueued {job.get_call_string(100)} on '{queue}' ({status})")
    if wait:
        raise typer.Exit(wait_for(job, wait_timeout, state, json_output or out.json_mode))


def wait_for(job: Any, wait_timeout: float | None, state: Any, json_output: bool) -> int:
    """Poll the job until it ends; print the result and return the exit code."""
    from jobctl.cli.jobview import print_outcome
    from jobctl.status import TERMINAL

    deadline = None if wait_timeout is None else time.monotonic() + wait_timeout
    pause = 0.05
    while True:
        try:
            status = job.get_status()
        except (ValueError, UnicodeDecodeError):  # corrupted: it will never end; say so
            break
        if status is None or status in TERMINAL:
            break
        if deadline is not None and time.monotonic() >= deadline:
            state.output.error(
                f"timed out after {wait_timeout:g}s waiting for job {job.id} (status {status})"
            )
            return int(ExitCode.FAILED)
        time.sleep(pause)
        pause = min(pause * 1.5, 0.5)
    sys.stdout.flush()
    return print_outcome(job, state.output, json_output)


def due_time(at: str | None, delay: str | None) -> float | None:
    """Epoch seconds for --at/--in; times without a zone are rejected, not guessed."""
    from datetime import datetime

    from jobctl.utils import now

    if at is not None and delay is not None:
        raise typer.BadParameter("give --at or --in, not both")
    if delay is not None:
        return now() + (parse_duration(delay, what="--in") or 0)
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"--at {at!r} is not an ISO-8601 time (e.g. 2026-12-01T09:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"--at {at!r} has no time zone; add Z or an offset like +02:00")
    if moment.timestamp() <= now():
        raise typer.BadParameter(f"--at {at!r} is in the past")
    return moment.timestamp()
