"""The output contract: Rich tables on a terminal, tab-separated rows when piped, JSON for
scripts, and errors as one line on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from jobctl.display import clip, escape


def to_json_value(value: Any) -> Any:
    """Stable JSON: ISO-8601 UTC times, enums as their values, anything else as text."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return getattr(value, "value", value)
    return repr(value)


def cell(value: Any, limit: int = 80) -> str:
    """One table cell: terminal-safe and bounded."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple):
        return ",".join(cell(v, limit) for v in value)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return clip(str(getattr(value, "value", value)), limit)


class Output:
    """Where and how a command prints: chosen once from the global options."""

    def __init__(
        self,
        *,
        json_mode: bool = False,
        quiet: bool = False,
        color: bool = True,
        verbose: bool = False,
    ) -> None:
        self.json_mode = json_mode
        self.quiet = quiet
        self.color = color
        self.verbose = verbose
        self.is_terminal = sys.stdout.isatty()

    def dumps(self, value: Any) -> str:
        """JSON text: UTF-8 when piped; ASCII with ``\\u`` escapes on a terminal, where raw
        bidi overrides or C1 controls inside strings could reorder or drive the display."""
        return json.dumps(to_json_value(value), ensure_ascii=self.is_terminal)

    def json(self, document: Any) -> None:
        """One JSON document on stdout."""
        sys.stdout.write(self.dumps(document) + "\n")

    def json_lines(self, rows: Iterable[dict[str, Any]]) -> None:
        """A listing: one JSON object per line."""
        for row in rows:
            sys.stdout.write(self.dumps(row) + "\n")

    def table(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
    ) -> None:
        """A Rich table on a terminal, tab-separated rows (no header decoration) when piped."""
        if not self.is_terminal:
            for row in rows:
                sys.stdout.write("\t".join(cell(v, 10_000) for v in row) + "\n")
            return
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=title, header_style="bold", box=None, pad_edge=False)
        for column in columns:  # ids and names are copied from here: never fold them
            table.add_column(column, overflow="fold", no_wrap=column in ("id", "name"))
        for row in rows:  # Text, not markup: job data like "[/]" must print as it is
            table.add_row(*(Text(cell(v)) for v in row))
        Console(no_color=not self.color, highlight=False).print(table)

    def fields(self, pairs: Sequence[tuple[str, Any]]) -> None:
        """``name: value`` lines (``name<TAB>value`` when piped)."""
        width = max((len(n) for n, _ in pairs), default=0)
        for name, value in pairs:
            if self.is_terminal:
                sys.stdout.write(f"{name + ':':<{width + 1}} {cell(value, 2000)}\n")
            else:
                sys.stdout.write(f"{name}\t{cell(value, 10_000)}\n")

    def line(self, text: str = "") -> None:
        """A line of data on stdout."""
        sys.stdout.write(text + "\n")

    def info(self, text: str) -> None:
        """A human note on stderr (suppressed by --quiet)."""
        if not self.quiet:
            sys.stderr.write(text + "\n")

    def error(self, text: str) -> None:
        """One line on stderr, always shown."""
        sys.stderr.write(f"jobctl: error: {escape(text)}\n")

    def warning(self, text: str) -> None:
        sys.stderr.write(f"jobctl: warning: {escape(text)}\n")
