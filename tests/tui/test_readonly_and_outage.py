"""``--readonly`` removes every action; a Redis outage shows a banner, greys the last data and
recovers by itself."""

from __future__ import annotations

import redis

from jobctl import Queue
from jobctl.connection import connect
from jobctl.embedded import RedisProcess
from jobctl_tui import JobctlApp, RedisSource
from jobctl_tui.screens.base import ViewScreen
from jobctl_tui.screens.confirm import ConfirmScreen
from jobctl_tui.screens.job import JobScreen
from jobctl_tui.screens.jobs import JobsScreen
from jobctl_tui.screens.overview import OverviewScreen
from jobctl_tui.widgets.banner import Banner
from jobctl_tui.widgets.queues_table import QueuesTable
from jobctl_tui.widgets.workers_table import WorkersTable
from tests.fixtures_engine import snapshot as redis_state
from tests.tui.conftest import KEYS, fail_jobs, running_job, wait_for

SIZE = (100, 30)


def shown_actions(screen: ViewScreen) -> set[str]:
    return {b.binding.action for b in screen.active_bindings.values()} & screen.WRITE_ACTIONS


async def test_readonly_shows_no_action_and_refuses_every_one(connection: redis.Redis,
                                                              make_app) -> None:
    fail_jobs(connection, "default", ["boom"])
    Queue("default", connection=connection).enqueue("tests.jobs.add", 1, 1)
    running_job(connection, "worker-1")
    before = redis_state(connection)
    app = make_app(readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(WorkersTable).row_count == 1)
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        await pilot.press("R", "E", "P")
        app.query_one(WorkersTable).focus()
        await pilot.press("W", "S")
        assert shown_actions(overview) == set()

        await pilot.press("escape")
        app.query_one(QueuesTable).focus()
        await pilot.press("f")
        jobs = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        await wait_for(pilot, lambda: jobs.page is not None and jobs.page.jobs)
        await pilot.press("R", "A", "D", "E", "P")
        assert shown_actions(jobs) == set()
        await pilot.press("enter")
        job = await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen)
        await wait_for(pilot, lambda: job.detail is not None)
        await pilot.press("R", "D")
        assert shown_actions(job) == set()

        # Called directly (not through a key), actions refuse too, and so does the source.
        job.action_requeue()
        jobs.action_empty()
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Read-only" in str(n.message) for n in app._notifications)
        for call in (lambda: app.source.requeue([job.job_id]),
                     lambda: app.source.set_paused("default", True),
                     lambda: app.source.stop_worker("worker-1")):
            try:
                call()
            except PermissionError:
                pass
            else:
                raise AssertionError("a read-only source performed an action")
    assert redis_state(connection) == before


async def test_help_in_readonly_lists_no_action() -> None:
    from tests.tui.fakes import FakeSource

    app = JobctlApp(FakeSource(), interval=60, readonly=True)
    actions = {a for view in (OverviewScreen, JobsScreen, JobScreen) for a in view.WRITE_ACTIONS}
    listed = {b.action.split("(")[0] for _, bindings in app.help_sections() for b in bindings}
    assert listed & actions == set()
    full = JobctlApp(FakeSource(), interval=60).help_sections()
    assert actions <= {b.action.split("(")[0] for _, bindings in full for b in bindings}


async def test_redis_going_away_shows_a_banner_and_recovers_by_itself() -> None:
    server = RedisProcess().start()
    try:
        connection = connect(server.url)
        Queue("default", connection=connection).enqueue("tests.jobs.add", 1, 1)
        app = JobctlApp(RedisSource(connection, KEYS, server.url), interval=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.query_one(QueuesTable).row_count == 1)
            banner = app.query_one(Banner)
            assert not banner.has_class("-visible")

            port = server.port
            server.stop()
            await wait_for(pilot, lambda: banner.has_class("-visible"), what="the banner")
            assert "Redis unreachable — retrying" in str(banner.render())
            assert app.screen.has_class("-stale")
            assert app.query_one(QueuesTable).row_count == 1  # the last data stays, greyed
            assert app.status.unreachable

            server.start(port)
            await wait_for(pilot, lambda: not banner.has_class("-visible"), what="recovery")
            assert not app.screen.has_class("-stale")
            await wait_for(pilot, lambda: app.query_one(QueuesTable).row_count == 0)  # new, empty
    finally:
        server.stop()
