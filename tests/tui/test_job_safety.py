"""Job data is shown without running code from it, without control characters, without markup,
and cut to a line until asked for in full."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import redis
from rich.console import Console
from textual.widgets import Static

from jobctl import Queue
from jobctl_tui.jobdetail import read_job_detail
from jobctl_tui.screens.job import JobScreen
from jobctl_tui.screens.jobs import JobsScreen
from jobctl_tui.widgets.jobs_table import JobsTable
from tests.tui.conftest import KEYS, fail_jobs, wait_for


class Evil:
    """Unpickling this with the real unpickler would run a shell command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def rendered(widget: Static) -> str:
    console = Console(width=20_000, record=True, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.export_text()


def test_a_payload_that_would_run_code_is_shown_as_an_opaque_placeholder(
        connection: redis.Redis, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    job = Queue(connection=connection).enqueue("tests.jobs.echo", 1)
    connection.hset(KEYS.job(job.id), mapping={
        "data": pickle.dumps(((Evil(marker), "\x1b[2J"), {"k": Evil(marker)})),
        "meta": pickle.dumps({"m": Evil(marker)}),
        "result": pickle.dumps(Evil(marker)),
    })
    detail = read_job_detail(connection, KEYS, job.id)
    assert detail is not None
    assert detail.args == ["<posix.system>", "'\\x1b[2J'"]
    assert detail.kwargs == [("k", "<posix.system>")]
    assert detail.meta == [("m", "<posix.system>")]
    assert detail.result == "<posix.system>"
    assert not marker.exists()


def test_undecodable_payloads_are_reported_not_raised(connection: redis.Redis) -> None:
    job = Queue(connection=connection).enqueue("tests.jobs.echo", 1)
    connection.hset(KEYS.job(job.id), mapping={"data": b"\x80garbage", "ser": "yaml"})
    detail = read_job_detail(connection, KEYS, job.id)
    assert detail is not None
    assert detail.payload_note == "<undecodable arguments: ValueError>"
    assert read_job_detail(connection, KEYS, "no-such-job") is None


async def test_control_characters_and_markup_are_shown_literally(connection: redis.Redis,
                                                                 make_app) -> None:
    hostile = "[bold red]fake[/] \x1b]52;c;ZXZpbA==\x07 \u202egnp.exe"
    (job_id,) = fail_jobs(connection, "default", [hostile])
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: app.snapshot and app.snapshot.queues)
        await pilot.press("f")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.page and screen.page.jobs)
        error = screen.query_one(JobsTable).get_row(job_id)[-1].plain
        assert error.startswith("ValueError: [bold red]fake[/] \\x1b]52;c;ZXZpbA==\\x07 \\u202e")
        await pilot.press("enter")
        job = await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen.detail
                             and app.screen)
        text = rendered(job.query_one("#outcome", Static)) + rendered(job.query_one("#call",
                                                                                    Static))
        assert "[bold red]fake[/] \\x1b]52;c;ZXZpbA==\\x07 \\u202egnp.exe" in text
        assert "\x1b" not in text and "\u202e" not in text


async def test_long_values_are_cut_until_v_shows_them_whole(connection: redis.Redis,
                                                            make_app) -> None:
    long_text = "x" * 5000
    job = Queue(connection=connection).enqueue("tests.jobs.echo", long_text, note=long_text)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(JobScreen(job.id))
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen
                                and app.screen.detail and app.screen)
        call = screen.query_one("#call", Static)
        assert "… (+4842 chars)" in rendered(call)
        assert long_text not in rendered(call)
        await pilot.press("v")
        assert rendered(call).count(long_text) == 2
        await pilot.press("v")
        assert long_text not in rendered(call)
