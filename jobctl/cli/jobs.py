"""``jobctl jobs`` (listing with filters), ``jobctl requeue`` and ``jobctl purge``."""

from __future__ import annotations

from itertools import islice
from typing import Annotated

import typer

from jobctl.cli.confirm import confirm, plural, progress
from jobctl.cli.exit_codes import ExitCode
from jobctl.cli.options import DryRunFlag, JsonFlag, YesFlag
from jobctl.cli.render import JOB_COLUMNS, job_document, job_row
from jobctl.cli.state import CliState, get_state
from jobctl.listing import LOCATIONS, JobFilter, JobSummary, iter_jobs
from jobctl.utils import decode, parse_duration, validate_job_id, validate_queue_name

FuncGlob = Annotated[str | None, typer.Option(
    "--func", help="Only jobs whose function matches this glob, ignoring case (e.g. "
    "'app.mail.*'); without * ? or [ it matches anywhere: 'mail' finds app.mail.send.")]
ExcGlob = Annotated[str | None, typer.Option(
    "--exc", help="Only jobs whose traceback matches this glob, ignoring case (e.g. "
    "'*Timeout*'); without * ? or [ it matches anywhere: 'SMTP' is the same as '*SMTP*'.")]
QueueFilter = Annotated[str | None, typer.Option(
    "--queue", "-q", help="Only this queue (default: every queue).")]


def _queue_names(state: CliState, queue: str | None) -> list[str]:
    if queue is not None:
        return [validate_queue_name(queue)]
    return sorted(decode(q) for q in state.connect().smembers(state.keys.queues))


def jobs(
    ctx: typer.Context,
    queue: QueueFilter = None,
    status: Annotated[str | None, typer.Option(
        "--status", "-s", help=f"One of: {', '.join(LOCATIONS)} (default: all).")] = None,
    func: FuncGlob = None,
    exc: ExcGlob = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most jobs to list.")] = 50,
    json_output: JsonFlag = False,
) -> None:
    """List jobs of a queue or registry, newest first, with filters.

    Example: jobctl jobs --status failed --exc '*Timeout*' --limit 20
    """
    state = get_state(ctx)
    if status is not None and status not in LOCATIONS:
        raise typer.BadParameter(f"--status must be one of: {', '.join(LOCATIONS)}")
    job_filter = JobFilter(func=func, exc=exc)
    matches = (
        summary
        for name in _queue_names(state, queue)
        for location in ([status] if status else LOCATIONS)
        for summary in iter_jobs(state.connect(), state.keys, name, location, job_filter)
    )
    found: list[JobSummary] = list(islice(matches, limit))  # --limit across every queue
    out = state.output
    if json_output or out.json_mode:
        out.json_lines(job_document(j) for j in found)
    else:
        out.table(JOB_COLUMNS, [job_row(j) for j in found])


def requeue(
    ctx: typer.Context,
    job_ids: Annotated[list[str] | None, typer.Argument(help="Ids of failed jobs.")] = None,
    all_failed: Annotated[bool, typer.Option(
        "--all", help="Every failed job (of --queue, or of every queue).")] = False,
    queue: QueueFilter = None,
    func: FuncGlob = None,
    exc: ExcGlob = None,
    dry_run: DryRunFlag = False,
    yes: YesFlag = False,
    json_output: JsonFlag = False,
) -> None:
    """Requeue failed jobs by id, or every failed job matching filters (with a preview).

    Example: jobctl requeue --queue emails --exc '*SMTP*' --dry-run
    """
    from jobctl.bulk import matching_ids, requeue_jobs

    state = get_state(ctx)
    by_filter = all_failed or func is not None or exc is not None
    if bool(job_ids) == by_filter:
        raise typer.BadParameter("give job ids, or --all / --func / --exc, not both")
    ids = [validate_job_id(i) for i in job_ids or []]
    scope = f"in '{queue}'" if queue else "in every queue"
    if by_filter:
        job_filter = JobFilter(func=func, exc=exc)
        for name in _queue_names(state, queue):
            ids += matching_ids(state.connect(), state.keys, name, "failed", job_filter)
    out = state.output
    if dry_run:
        if json_output or out.json_mode:
            out.json({"would_requeue": ids})
        else:
            out.line(f"would requeue {plural(len(ids), 'failed job')} {scope}")
            for job_id in ids:
                out.line(job_id)
        return
    if by_filter:
        confirm(f"requeue {plural(len(ids), 'failed job')} {scope}", yes)
    with progress(out, len(ids), "requeueing") as advance:
        done, skipped = requeue_jobs(state.connect(), state.keys, ids, advance)
    if json_output or out.json_mode:
        out.json({"requeued": done, "skipped": skipped})
    else:
        out.info(f"requeued {plural(done, 'job')}")
        for job_id in skipped:
            out.warning(f"job {job_id} was not requeued: it does not exist or is not failed")
    if skipped and not by_filter:
        raise typer.Exit(int(ExitCode.NOT_FOUND))


def purge(
    ctx: typer.Context,
    registry: Annotated[str, typer.Argument(help="finished, failed or canceled.")],
    queue: QueueFilter = None,
    older_than: Annotated[str | None, typer.Option(
        "--older-than", help="Only jobs that ended longer ago than this (e.g. 7d, 12h); jobs "
        "whose end time is unreadable (corrupted) are kept, with a warning.")] = None,
    yes: YesFlag = False,
    dry_run: DryRunFlag = False,
) -> None:
    """Delete the jobs of a finished, failed or canceled registry on demand.

    Example: jobctl purge failed --queue emails --older-than 7d --yes
    """
    from jobctl.bulk import delete_jobs, purge_ids

    state = get_state(ctx)
    if registry not in ("finished", "failed", "canceled"):
        raise typer.BadParameter("the registry must be finished, failed or canceled")
    age = parse_duration(older_than, what="--older-than")
    ids: list[str] = []
    unknown_age: list[str] = []
    for name in _queue_names(state, queue):
        ids += purge_ids(state.connect(), state.keys, name, registry, age, unknown_age)
    if unknown_age:
        state.output.warning(
            f"kept {plural(len(unknown_age), registry + ' job')} whose end time cannot be read "
            f"(unknown age), e.g. {unknown_age[0]}"
        )
    scope = f"from '{queue}'" if queue else "from every queue"
    what = f"{plural(len(ids), registry + ' job')} {scope}"
    if dry_run:
        state.output.line(f"would delete {what}")
        return
    confirm(f"delete {what}", yes)
    with progress(state.output, len(ids), "deleting") as advance:
        deleted = delete_jobs(state.connect(), state.keys, ids, advance)
    state.output.info(f"deleted {plural(deleted, 'job')}")
