"""The help screen (``?``): every key of every view, read from the views' own bindings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

HelpSection = tuple[str, list[Binding]]

_KEY_NAMES = {
    "question_mark": "?", "slash": "/", "plus": "+", "minus": "-", "equals_sign": "=",
    "left_square_bracket": "[", "right_square_bracket": "]", "escape": "esc",
}


def key_label(keys: str) -> str:
    return " ".join(_KEY_NAMES.get(k, k) for k in keys.split(","))


def as_bindings(entries: Iterable[BindingType]) -> list[Binding]:
    return [b for b in entries if isinstance(b, Binding)]


class HelpScreen(Screen[None]):
    """Keys grouped by view; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close", key_display="esc"),
        Binding("j", "scroll('down')", show=False),
        Binding("k", "scroll('up')", show=False),
    ]

    def __init__(self, sections: list[HelpSection], readonly: bool) -> None:
        super().__init__()
        self.sections = sections
        self.readonly = readonly

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self._render_help())
        yield Footer(compact=True, show_command_palette=False)

    def action_scroll(self, direction: str) -> None:
        view = self.query_one(VerticalScroll)
        if direction == "down":
            view.scroll_down()
        else:
            view.scroll_up()

    def _render_help(self) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, style="bold cyan", min_width=12)
        grid.add_column()
        grid.add_row(Text("jobctl top", style="bold"),
                     Text("keys per view" + ("  (read-only: actions are disabled)"
                                              if self.readonly else "")))
        for title, bindings in self.sections:
            grid.add_row("", "")
            grid.add_row(Text(title, style="bold underline"), "")
            for binding in bindings:
                label = binding.tooltip or binding.description
                if label:
                    grid.add_row(Text(key_label(binding.key)), Text(label))
        return grid
