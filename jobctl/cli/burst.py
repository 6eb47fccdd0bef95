"""A progress bar for ``jobctl worker --burst`` on a terminal; nothing extra when piped.

The total is what the worker's queues hold when it starts (grown if more jobs arrive, e.g.
released dependents); progress is the worker's own count of jobs it finished or failed, read by
a small thread, so the worker loop is not touched. While the bar is live on a terminal the
worker's log lines are printed through the same Rich console, above the bar, instead of being
written across it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jobctl.cli.output import Output

POLL_SECONDS = 0.2
"""How often the worker's counts (and, every few polls, the queues' lengths) are read."""


def wanted(out: Output, burst: bool, log_format: str, concurrency: int) -> bool:
    """A bar only for a single burst worker on a terminal with text logs and no --json/-q."""
    return (burst and concurrency == 1 and out.is_terminal and not out.json_mode
            and not out.quiet and log_format == "text")


def queued_count(worker: Any) -> int:
    """Jobs waiting in the worker's queues (LLEN of each, in one round trip)."""
    pipe = worker.connection.pipeline(transaction=False)
    for name in worker.queue_names:
        pipe.llen(worker.keys.queue(name))
    return sum(int(n) for n in pipe.execute())


def done_count(worker: Any) -> int:
    return int(worker.successful_job_count) + int(worker.failed_job_count)


class _ConsoleLogHandler(logging.Handler):
    """Log records printed above the live bar; a forked job process (another pid, where the
    bar does not live) writes through the original handler instead."""

    def __init__(self, console: Any, original: logging.Handler) -> None:
        super().__init__(original.level)
        self.console = console
        self.original = original
        self.pid = os.getpid()
        self.setFormatter(original.formatter)

    def emit(self, record: logging.LogRecord) -> None:
        if os.getpid() != self.pid:
            self.original.handle(record)
            return
        from rich.text import Text

        try:
            self.console.print(Text(self.format(record)), soft_wrap=True, highlight=False)
        except Exception:
            self.handleError(record)


@contextmanager
def _logs_above(console: Any) -> Iterator[None]:
    """Route the ``jobctl`` logger's stderr handler through ``console`` while the bar lives."""
    logger = logging.getLogger("jobctl")
    saved = list(logger.handlers)
    logger.handlers[:] = [
        _ConsoleLogHandler(console, h)
        if isinstance(h, logging.StreamHandler) and h.stream in (sys.stderr, sys.__stderr__)
        else h
        for h in saved
    ]
    try:
        yield
    finally:
        logger.handlers[:] = saved


@contextmanager
def burst_progress(worker: Any, max_jobs: int | None, color: bool = True) -> Iterator[None]:
    """Show a bar while ``worker`` drains its queues (call only when :func:`wanted`)."""
    total = queued_count(worker)
    if max_jobs is not None:
        total = min(total, max_jobs)
    if total == 0:  # nothing to drain: the worker exits at once
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # Logs go to stderr: when it is this terminal too, the bar goes there and the logs through
    # it; when stderr is redirected, the bar stays on stdout and the logs are left alone.
    shared = sys.stderr.isatty()
    console = Console(stderr=shared, no_color=not color, highlight=False)
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    # No stdout/stderr redirection: forked job processes inherit sys.stdout and must not write
    # through a console whose live display belongs to this process.
    with Progress(*columns, console=console, transient=True, redirect_stdout=False,
                  redirect_stderr=False) as bar:
        task = bar.add_task("jobs", total=total)
        stop = threading.Event()
        watcher = threading.Thread(target=_watch, args=(worker, bar, task, total, max_jobs, stop),
                                   name="jobctl-burst-progress", daemon=True)
        watcher.start()
        try:
            if shared:
                with _logs_above(console):
                    yield
            else:
                yield
        finally:
            stop.set()
            watcher.join(2)
            bar.update(task, completed=done_count(worker))


def _watch(worker: Any, bar: Any, task: Any, total: int, max_jobs: int | None,
           stop: threading.Event) -> None:
    """Advance the bar from the worker's counts until ``stop``; never raise into the worker."""
    polls = 0
    while not stop.wait(POLL_SECONDS):
        polls += 1
        try:
            done = done_count(worker)
            if polls % 5 == 0 or done >= total:  # more jobs may have arrived meanwhile
                total = max(total, done + queued_count(worker))
                if max_jobs is not None:
                    total = min(total, max_jobs)
            bar.update(task, completed=done, total=max(total, done))
        except Exception:  # a Redis hiccup must not end the worker: the bar just pauses
            continue
