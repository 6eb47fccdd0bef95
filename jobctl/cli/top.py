"""``jobctl top``: the terminal dashboard (Textual is imported only when it runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from jobctl.cli.state import get_state


def top(
    ctx: typer.Context,
    interval: Annotated[float, typer.Option(
        "--interval", min=0.2, help="Seconds between refreshes (+/- change it live).")] = 2.0,
    readonly: Annotated[bool, typer.Option(
        "--readonly", help="Watch only: every action (requeue, delete, stop...) is disabled.")
    ] = False,
) -> None:
    """Watch queues, workers and jobs live, and act on them (requeue, delete, stop...).

    Every action asks for confirmation; press ? in the dashboard for the keys.

    Example: jobctl top --interval 1
    """
    from jobctl_tui import JobctlApp, RedisSource

    state = get_state(ctx)
    connection = state.connect()
    source = RedisSource(connection, state.keys, state.url_used or "")
    JobctlApp(source, interval=interval, readonly=readonly).run()
