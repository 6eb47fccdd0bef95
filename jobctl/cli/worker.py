"""``jobctl worker``: run a worker (or a pool of them) from the shell."""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated, Any

import typer

from jobctl import defaults
from jobctl.cli import burst as burst_progress
from jobctl.cli.options import PathOption
from jobctl.cli.paths import add_import_paths
from jobctl.cli.state import CliState, get_state


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                           "level": record.levelname.lower(), "logger": record.name,
                           "message": record.getMessage()})


def configure_logging(level: str, log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                               "%H:%M:%S"))
    root = logging.getLogger("jobctl")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def _check_choices(log_level: str, log_format: str, on_abandon: str, strategy: str) -> None:
    from jobctl.dequeue import STRATEGIES

    if log_format not in ("text", "json"):
        raise typer.BadParameter("--log-format must be text or json")
    if log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise typer.BadParameter("--log-level must be debug, info, warning or error")
    if on_abandon not in ("fail", "requeue"):
        raise typer.BadParameter("--on-abandon must be fail or requeue")
    if strategy not in STRATEGIES:
        raise typer.BadParameter(f"--dequeue-strategy must be one of: {', '.join(STRATEGIES)}")


def worker(
    ctx: typer.Context,
    queues: Annotated[list[str] | None, typer.Argument(
        help="Queues to take jobs from, highest priority first (default: default).")] = None,
    burst: Annotated[bool, typer.Option(
        "--burst", "-b", help="Exit when the queues are empty. On a terminal, a single worker "
        "(no --concurrency) shows a progress bar of the jobs queued at start.")] = False,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Worker name.")] = None,
    with_scheduler: Annotated[bool, typer.Option(
        "--with-scheduler", "-s",
        help="Also move due scheduled jobs and delayed retries into their queues.")] = False,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", "-c", min=1, help="Run N worker processes under one supervisor.")] = 1,
    no_fork: Annotated[bool, typer.Option(
        "--no-fork", help="Run jobs in the worker process (faster, no isolation).")] = False,
    fork_server: Annotated[bool, typer.Option(
        "--fork-server/--no-fork-server",
        help="Fork each job's process from a small server process started with the worker "
        "(cheaper forks), or from the worker itself.")] = True,
    jobs_per_horse: Annotated[int, typer.Option(
        "--jobs-per-horse", min=1,
        help="Jobs each forked process runs in turn before it exits. 1 (default) gives every "
        "job a fresh process; more skips most forks (faster), but a job then sees what the "
        "previous ones left in the process (module state, open files).")] = 1,
    max_jobs: Annotated[int | None, typer.Option(
        "--max-jobs", min=1, help="Exit after this many jobs.")] = None,
    max_idle_time: Annotated[float | None, typer.Option(
        "--max-idle-time", min=0, help="Exit after this many seconds without a job.")] = None,
    dequeue_strategy: Annotated[str, typer.Option(
        "--dequeue-strategy", help="default (priority order), round-robin or random.")
    ] = "default",
    on_abandon: Annotated[str, typer.Option(
        "--on-abandon", help="Jobs of dead workers: fail (default) or requeue (capped).")
    ] = "fail",
    shutdown_timeout: Annotated[float, typer.Option(
        "--shutdown-timeout", min=0,
        help="Seconds a warm shutdown waits for the running job before killing it."),
    ] = defaults.WARM_SHUTDOWN_TIMEOUT,
    heartbeat_interval: Annotated[float, typer.Option(
        "--heartbeat-interval", min=0.1, help="Seconds between heartbeats."),
    ] = defaults.WORKER_HEARTBEAT_INTERVAL,
    lease: Annotated[float, typer.Option(
        "--lease", min=0.5,
        help="Seconds without a heartbeat after which a worker counts as dead."),
    ] = defaults.WORKER_LEASE,
    maintenance_interval: Annotated[float, typer.Option(
        "--maintenance-interval", min=0.1,
        help="Seconds between clean-ups and searches for abandoned jobs."),
    ] = defaults.MAINTENANCE_INTERVAL,
    allow: Annotated[list[str] | None, typer.Option(
        "--allow", help="Run only callables under this module prefix (repeatable).")] = None,
    path: PathOption = None,
    log_level: Annotated[str, typer.Option(
        "--log-level", help="debug, info, warning or error.")] = "info",
    log_format: Annotated[str, typer.Option("--log-format", help="text or json.")] = "text",
) -> None:
    """Run a worker that takes jobs from QUEUES (highest priority first).

    Example: jobctl worker high default low --with-scheduler --concurrency 4
    """
    from jobctl.utils import validate_queue_name

    state = get_state(ctx)
    _check_choices(log_level, log_format, on_abandon, dequeue_strategy)
    if heartbeat_interval >= lease:
        raise typer.BadParameter("--heartbeat-interval must be shorter than --lease")
    if no_fork and jobs_per_horse != 1:
        raise typer.BadParameter("--jobs-per-horse applies to forking workers, not --no-fork")
    names = [validate_queue_name(q) for q in queues or ["default"]]
    add_import_paths(path)
    configure_logging(log_level, log_format)
    state.connect("worker")
    settings: dict[str, Any] = dict(
        names=names, name=name, no_fork=no_fork, fork_server=fork_server,
        jobs_per_horse=jobs_per_horse, allow=tuple(allow or ()),
        heartbeat_interval=heartbeat_interval, lease=lease, shutdown_timeout=shutdown_timeout,
        maintenance_interval=maintenance_interval, on_abandon=on_abandon,
        dequeue_strategy=dequeue_strategy,
    )
    work: dict[str, Any] = dict(burst=burst, max_jobs=max_jobs, max_idle_time=max_idle_time,
                                with_scheduler=with_scheduler)
    _banner(state, names, _mode_text(no_fork, fork_server, jobs_per_horse), concurrency, burst)
    if concurrency == 1:
        single = _build_worker(state, settings, None)
        if burst_progress.wanted(state.output, burst, log_format, concurrency):
            with burst_progress.burst_progress(single, max_jobs, state.output.color):
                single.work(**work)
        else:
            single.work(**work)
        return
    from jobctl.pool import WorkerPool

    pool = WorkerPool(lambda i: _build_worker(state, settings, i).work(**work), concurrency,
                      burst=burst)
    raise typer.Exit(pool.run())


def _build_worker(state: CliState, settings: dict[str, Any], index: int | None) -> Any:
    from jobctl.maintenance import AbandonPolicy
    from jobctl.simple_worker import SimpleWorker
    from jobctl.worker import Worker

    name = settings["name"]
    if name and index is not None:
        name = f"{name}-{index}"
    worker_class = SimpleWorker if settings["no_fork"] else Worker
    forking = {} if settings["no_fork"] else {"fork_server": settings["fork_server"],
                                              "jobs_per_horse": settings["jobs_per_horse"]}
    return worker_class(
        settings["names"], connection=state.connect("worker"), name=name,
        serializer=state.serializer, namespace=state.keys.namespace, allow=settings["allow"],
        heartbeat_interval=settings["heartbeat_interval"], lease=settings["lease"],
        maintenance_interval=settings["maintenance_interval"],
        shutdown_timeout=settings["shutdown_timeout"],
        abandon_policy=AbandonPolicy(action=settings["on_abandon"]),
        dequeue_strategy=settings["dequeue_strategy"], **forking,
    )


def _mode_text(no_fork: bool, fork_server: bool, jobs_per_horse: int) -> str:
    if no_fork:
        return "in-process"
    per = "fork per job" if jobs_per_horse == 1 else f"fork per {jobs_per_horse} jobs"
    return per + (" (fork server)" if fork_server else "")


def _banner(state: CliState, names: list[str], mode: str, concurrency: int,
            burst: bool) -> None:
    from jobctl.connection import mask_url

    logging.getLogger("jobctl.worker").info(
        "jobctl worker: redis %s, namespace %s, queues %s, %s%s%s",
        mask_url(state.url_used or ""), state.keys.namespace, ", ".join(names), mode,
        f", {concurrency} processes" if concurrency > 1 else "", ", burst" if burst else "")
