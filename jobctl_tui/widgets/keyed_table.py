"""A DataTable whose rows are keyed and refreshed in place, so the cursor stays on the same
item across polls; cells are never parsed as markup (job data could contain some)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

Cell = str | Text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    right: bool = False


class KeyedTable(DataTable[Text]):
    """Rows are (key, cells); ``sync`` updates changed cells or rebuilds when keys change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=0)
        self._columns: tuple[Column, ...] = ()
        self._rows: list[tuple[str, tuple[Text, ...]]] = []

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self._rows or not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row][0]

    def sync(self, columns: Sequence[Column], rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        new_rows = [(key, tuple(self._cell(c, col) for c, col in zip(cells, columns, strict=True)))
                    for key, cells in rows]
        if tuple(columns) != self._columns:
            self._columns = tuple(columns)
            self.clear(columns=True)
            for col in columns:
                label = Text(col.label)
                if col.right:
                    label.align("right", col.width - 1)
                    label.append(" ")
                self.add_column(label, width=col.width, key=col.key)
            self._rows = []
        if [k for k, _ in new_rows] == [k for k, _ in self._rows]:
            self._update_cells(new_rows)
        else:
            self._rebuild(new_rows)
        self._rows = new_rows

    def _update_cells(self, new_rows: list[tuple[str, tuple[Text, ...]]]) -> None:
        for (key, cells), (_, old) in zip(new_rows, self._rows, strict=True):
            for col, cell, before in zip(self._columns, cells, old, strict=True):
                if cell != before:
                    self.update_cell(key, col.key, cell)

    def _rebuild(self, new_rows: list[tuple[str, tuple[Text, ...]]]) -> None:
        """Re-add every row; the cursor follows its row, or keeps its place if the row left."""
        selected, place = self.selected_key, self.cursor_row
        self.clear()
        for key, cells in new_rows:
            self.add_row(*cells, key=key)
        keys = [k for k, _ in new_rows]
        if keys:
            row = keys.index(selected) if selected in keys else min(place, len(keys) - 1)
            self.move_cursor(row=row, animate=False)

    @staticmethod
    def _cell(value: Cell, column: Column) -> Text:
        text = value.copy() if isinstance(value, Text) else Text(value)
        text.no_wrap = True
        text.overflow = "ellipsis"
        room = max(1, column.width - 1)  # one blank cell between columns
        text.truncate(room, overflow="ellipsis")
        if column.right:
            text.align("right", room)
            text.append(" ")
        return text
