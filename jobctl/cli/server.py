"""`jobctl server`: look after the per-user embedded Redis."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from jobctl.embedded import (
    EmbeddedStatus,
    embedded_status,
    ensure_embedded_server,
    stop_embedded_server,
)
from jobctl.exceptions import EmbeddedServerError

app = typer.Typer(name="server", help="Manage the embedded Redis server.", no_args_is_help=True)

UNAVAILABLE = 3
"""Exit code for "Redis unavailable" (cli.md); a server that cannot start is exactly that."""


def _fail(error: EmbeddedServerError) -> typer.Exit:
    typer.echo(f"jobctl: error: {error}", err=True)
    return typer.Exit(UNAVAILABLE)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def _as_json(status: EmbeddedStatus) -> str:
    return json.dumps(
        {
            "running": status.running,
            "url": status.url,
            "pid": status.pid,
            "socket": str(status.socket_path),
            "data_dir": str(status.data_dir),
            "log_file": str(status.log_file),
            "used_memory": status.used_memory,
        }
    )


@app.command()
def status(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of text.")
    ] = False,
) -> None:
    """Show whether the embedded Redis is running, where it lives and its memory use.

    Exits 0 either way: a stopped server is a status, not an error.

    Example: jobctl server status --json
    """
    try:
        current = embedded_status()
    except EmbeddedServerError as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(_as_json(current))
        return
    state = f"running (pid {current.pid})" if current.running else "not running"
    typer.echo(f"embedded Redis: {state}")
    typer.echo(f"url:      {current.url}")
    typer.echo(f"data dir: {current.data_dir}")
    typer.echo(f"log file: {current.log_file}")
    if current.used_memory is not None:
        typer.echo(f"memory:   {_size(current.used_memory)}")


@app.command()
def start() -> None:
    """Start the embedded Redis if it is not running, and print its URL.

    Other jobctl commands start it on demand; this is for starting it ahead of time.

    Example: jobctl server start
    """
    try:
        typer.echo(ensure_embedded_server())
    except EmbeddedServerError as error:
        raise _fail(error) from None


@app.command()
def stop() -> None:
    """Stop the embedded Redis (its data stays on disk); exits 0 even if it was not running.

    Example: jobctl server stop
    """
    try:
        was_running = stop_embedded_server()
    except EmbeddedServerError as error:
        raise _fail(error) from None
    typer.echo("embedded Redis stopped" if was_running else "embedded Redis was not running")
