"""The ``/`` filter of the queue view: free text matched against function, id and exception."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


class FilterBar(Input):
    """Hidden until ``/``; enter applies, escape clears and hides."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", show=True),
    ]

    def __init__(self) -> None:
        super().__init__(placeholder="filter: function, id or exception text — enter applies",
                         id="filter")
        self.cursor_blink = False

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Submitted(self, ""))
