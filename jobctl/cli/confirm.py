"""Confirmation and progress for destructive and long operations.

On a terminal the user is asked, with the exact count; when stdin is not a terminal (scripts,
cron) nothing is changed unless ``--yes`` was given, so a missing flag can never wipe a queue.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from jobctl.cli.output import Output


class Refused(ValueError):
    """A destructive command without --yes where nobody can be asked (exit 2)."""


def confirm(action: str, yes: bool) -> None:
    """Ask ``action?`` on a terminal; refuse (exit 2) without --yes when not interactive."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Refused(f"refusing to {action} without --yes (stdin is not a terminal)")
    if not typer.confirm(f"{action[0].upper()}{action[1:]}?", default=False, err=True):
        raise typer.Exit(1)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@contextmanager
def progress(out: Output, total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on a terminal for big jobs; nothing extra when piped."""
    if not out.is_terminal or out.json_mode or total < 50:
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
