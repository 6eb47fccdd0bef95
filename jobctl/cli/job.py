"""``jobctl job show|result|cancel|delete|requeue|stop``: single jobs by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from jobctl.cli.confirm import confirm, plural
from jobctl.cli.exit_codes import ExitCode
from jobctl.cli.jobview import job_details, print_details, print_outcome
from jobctl.cli.options import DryRunFlag, JsonFlag, YesFlag
from jobctl.cli.state import CliState, get_state
from jobctl.exceptions import InvalidJobOperation, NoSuchJobError
from jobctl.job import Job
from jobctl.utils import validate_job_id

app = typer.Typer(name="job", help="Show and act on single jobs by id.", no_args_is_help=True)
IdsArg = Annotated[list[str], typer.Argument(help="Job ids.")]


def _fetch(state: CliState, job_id: str) -> Job:
    validate_job_id(job_id)
    return Job.fetch(job_id, connection=state.connect(), keys=state.keys)


@app.command("show")
def show(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="Job id.")],
         json_output: JsonFlag = False) -> None:
    """Show one job: call, status, timestamps, worker, TTLs, result or traceback.

    Example: jobctl job show 3f2c9a0e --json
    """
    state = get_state(ctx)
    details = job_details(_fetch(state, job_id))
    if json_output or state.output.json_mode:
        state.output.json(details)
    else:
        print_details(details, state.output)


@app.command("result")
def result(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="Job id.")],
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the job ends.")] = False,
    wait_timeout: Annotated[float | None, typer.Option(
        "--wait-timeout", help="Give up waiting after this many seconds (exit 1).")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Print a finished job's result; exit 1 with the error if it failed.

    Example: jobctl job result 3f2c9a0e --wait --wait-timeout 60
    """
    from jobctl.cli.enqueue import wait_for

    state = get_state(ctx)
    job = _fetch(state, job_id)
    as_json = json_output or state.output.json_mode
    if wait:
        raise typer.Exit(wait_for(job, wait_timeout, state, as_json))
    raise typer.Exit(print_outcome(job, state.output, as_json))


def _each(state: CliState, ids: list[str], verb: str, act: Callable[[Job], Any]) -> None:
    """Apply ``act`` to every job; report each failure on one line; exit 5/1 if any failed."""
    worst = ExitCode.OK
    for job_id in ids:
        try:
            act(_fetch(state, job_id))
            state.output.info(f"{verb} {job_id}")
        except NoSuchJobError as exc:
            state.output.error(str(exc))
            worst = ExitCode.NOT_FOUND
        except InvalidJobOperation as exc:
            state.output.error(str(exc))
            worst = max(worst, ExitCode.FAILED) if worst != ExitCode.NOT_FOUND else worst
    if worst != ExitCode.OK:
        raise typer.Exit(int(worst))


@app.command("cancel")
def cancel(ctx: typer.Context, job_ids: IdsArg) -> None:
    """Cancel queued, deferred or scheduled jobs (they are kept as canceled).

    Example: jobctl job cancel 3f2c9a0e 9b1d77aa
    """
    _each(get_state(ctx), job_ids, "canceled", lambda job: job.cancel())


@app.command("requeue")
def requeue(ctx: typer.Context, job_ids: IdsArg,
            at_front: Annotated[bool, typer.Option("--at-front",
                                                   help="Put them first in line.")] = False
            ) -> None:
    """Requeue failed, stopped or canceled jobs.

    Example: jobctl job requeue 3f2c9a0e
    """
    _each(get_state(ctx), job_ids, "requeued", lambda job: job.requeue(at_front=at_front))


@app.command("stop")
def stop(ctx: typer.Context, job_ids: IdsArg) -> None:
    """Stop running jobs: their worker kills the job's process and marks it stopped.

    Example: jobctl job stop 3f2c9a0e
    """
    from jobctl.workers import send_stop_job_command

    state = get_state(ctx)
    _each(state, job_ids, "asked to stop",
          lambda job: send_stop_job_command(state.connect(), job.id, state.keys.namespace))


@app.command("delete")
def delete(ctx: typer.Context, job_ids: IdsArg, yes: YesFlag = False,
           dry_run: DryRunFlag = False) -> None:
    """Delete jobs from their queue and every registry.

    Example: jobctl job delete 3f2c9a0e --yes
    """
    state = get_state(ctx)
    for job_id in job_ids:
        validate_job_id(job_id)
    if dry_run:
        state.output.line(f"would delete {plural(len(job_ids), 'job')}: {' '.join(job_ids)}")
        return
    confirm(f"delete {plural(len(job_ids), 'job')}", yes)
    _each(state, job_ids, "deleted", lambda job: job.delete())
