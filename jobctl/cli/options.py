"""Option types shared by several commands, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

QueueOption = Annotated[str, typer.Option("--queue", "-q", help="Queue name.", show_default=True)]
JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print JSON (one document, or JSON Lines for listings).")
]
YesFlag = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (required when piped).")
]
DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change and change nothing.")
]
PathOption = Annotated[
    list[str] | None,
    typer.Option(
        "--path",
        "-P",
        help="Directory added to sys.path to import job code "
        "(repeatable; the current directory is always added).",
    ),
]
