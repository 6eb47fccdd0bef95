"""The job view's body: fields, arguments, result or traceback (highlighted), meta; scrollable.

Values arrive escaped from ``jobctl_tui.jobdetail``; here they are only cut to one line unless
full values are asked for (``v``), and never parsed as markup.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from jobctl.display import truncate
from jobctl_tui.format import age, since, timestamp
from jobctl_tui.models import JobDetail
from jobctl_tui.widgets.jobs_table import STATUS_STYLES

SHORT_VALUE = 160
"""Characters of one value shown until full values are asked for."""
SHORT_LIST = 20
"""Arguments, meta entries and dependency ids shown until full values are asked for."""


class JobView(VerticalScroll):
    """Scrolls with j/k, arrows, page keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="fields")
        yield Static(id="call")
        yield Static(id="outcome")

    def show_missing(self, job_id: str) -> None:
        self.query_one("#fields", Static).update(
            Text(f"Job {job_id} does not exist (any more): it was deleted or its data expired.",
                 style="bold yellow"))
        self.query_one("#call", Static).update("")
        self.query_one("#outcome", Static).update("")

    def show(self, detail: JobDetail, now: float, tz: tzinfo | None, full: bool) -> None:
        self.query_one("#fields", Static).update(_fields(detail, now, tz, full))
        self.query_one("#call", Static).update(_call(detail, full))
        self.query_one("#outcome", Static).update(_outcome(detail, full))


def _cut(text: str, full: bool) -> str:
    return text if full else truncate(text, SHORT_VALUE)


def _some(items: list[str], full: bool) -> str:
    shown = items if full else items[:SHORT_LIST]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" … (+{more}, v shows all)" if more else "") if items else "-"


def _fields(detail: JobDetail, now: float, tz: tzinfo | None, full: bool) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, value: str | Text) -> None:
        grid.add_row(label, value if isinstance(value, Text) else Text(value))

    row("id", Text(detail.id, style="bold"))
    row("function", Text(_cut(detail.func_name, full), style="bold"))
    row("status", Text(detail.status, style=STATUS_STYLES.get(detail.status, "")))
    row("queue", detail.origin)
    row("worker", detail.worker_name or "-")
    if detail.description:
        row("description", _cut(detail.description, full))
    for label, moment in detail.timestamps:
        if moment is not None:
            ago = since(moment, now)
            when = f"in {age(-ago)}" if ago is not None and ago < 0 else f"{age(ago)} ago"
            row(label, f"{timestamp(moment, tz)}  ({when})")
    row("timeout", f"{age(detail.timeout)}")
    row("TTLs", f"result {age(detail.result_ttl)} · failure {age(detail.failure_ttl)} · queued "
        f"{age(detail.ttl) if detail.ttl is not None else 'forever'} · data expires "
        f"{'in ' + age(detail.expires_in) if detail.expires_in is not None else 'never'}")
    if detail.retries_max is not None or detail.retries_left is not None:
        intervals = ", ".join(age(i) for i in detail.retry_intervals) or "none"
        row("retries", f"{detail.retries_left if detail.retries_left is not None else '-'} left"
            f" of {detail.retries_max if detail.retries_max is not None else '-'}"
            f" (intervals {intervals})")
    row("depends on", _some(detail.dependency_ids, full))
    row("dependents", _some(detail.dependent_ids, full))
    row("payload", f"{detail.serializer}, {'signed' if detail.signed else 'unsigned'}")
    return grid


def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _call(detail: JobDetail, full: bool) -> RenderableType:
    parts: list[RenderableType] = [_section("Arguments")]
    if detail.payload_note:
        parts.append(Text(detail.payload_note, style="yellow"))
    args = detail.args if full else detail.args[:SHORT_LIST]
    kwargs = detail.kwargs if full else detail.kwargs[:SHORT_LIST]
    parts += [Text(f"  [{i}] {_cut(a, full)}") for i, a in enumerate(args)]
    parts += [Text(f"  {k} = {_cut(v, full)}") for k, v in kwargs]
    hidden = len(detail.args) - len(args) + len(detail.kwargs) - len(kwargs)
    if hidden:
        parts.append(Text(f"  … {hidden} more (v shows all)", style="dim"))
    if not (detail.args or detail.kwargs or detail.payload_note):
        parts.append(Text("  (none)", style="dim"))
    if detail.meta:
        parts.append(_section("Meta"))
        meta = detail.meta if full else detail.meta[:SHORT_LIST]
        parts += [Text(f"  {k} = {_cut(v, full)}") for k, v in meta]
    return Group(*parts)


def _outcome(detail: JobDetail, full: bool) -> RenderableType:
    if detail.exc_info:
        return Group(
            _section("Traceback"),
            Syntax(detail.exc_info, "pytb", theme="ansi_dark", word_wrap=True,
                   background_color="default"),
        )
    if detail.result is not None:
        return Group(_section("Result"), Text(f"  {_cut(detail.result, full)}"))
    return Text("")
