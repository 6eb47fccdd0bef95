"""SVG snapshots of each view on fixed data, a fixed clock and a fixed size.

Regenerate after a deliberate layout change with ``pytest tests/tui --snapshot-update`` and
review the SVGs in ``tests/tui/__snapshots__/``.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from textual.pilot import Pilot

from jobctl_tui import JobctlApp
from jobctl_tui.screens.job import JobScreen
from jobctl_tui.screens.jobs import JobsScreen
from tests.tui.conftest import wait_for
from tests.tui.fakes import FakeSource, fixed_now


def make_app() -> JobctlApp:
    return JobctlApp(FakeSource(), interval=60, now=fixed_now, tz=UTC)


async def loaded(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, JobctlApp)
    await wait_for(pilot, lambda: app.last_result is not None and not app.poller.in_flight)


async def open_failed(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    await pilot.press("j", "f")  # the 'emails' queue, straight to its failed registry
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen.page)


async def open_job(pilot: Pilot[Any]) -> None:
    await open_failed(pilot)
    await pilot.press("enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.detail)


def test_overview_80x24(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=loaded)


def test_overview_120x40(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=loaded)


def test_failed_registry_80x24(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_failed)


def test_job_with_traceback_120x40(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=open_job)


def test_help_80x24(snap_compare) -> None:
    async def help_screen(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=help_screen)


