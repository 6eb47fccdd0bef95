"""Moving between the views with the keys tui.md promises, on a real Redis."""

from __future__ import annotations

import redis

from jobctl import Queue
from jobctl_tui.screens.help import HelpScreen
from jobctl_tui.screens.job import JobScreen
from jobctl_tui.screens.jobs import JobsScreen
from jobctl_tui.screens.overview import OverviewScreen
from jobctl_tui.widgets.filter_bar import FilterBar
from jobctl_tui.widgets.jobs_table import JobsTable
from jobctl_tui.widgets.queues_table import QueuesTable
from tests.tui.conftest import fail_jobs, polled, wait_for

SIZE = (100, 30)


async def test_overview_to_queue_to_failed_to_job_and_back(connection: redis.Redis,
                                                            make_app) -> None:
    failed = fail_jobs(connection, "emails", ["smtp refused", "bad address"])
    Queue("emails", connection=connection).enqueue("tests.jobs.add", 1, 2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(QueuesTable).row_count == 1)
        assert isinstance(app.screen, OverviewScreen)

        await pilot.press("enter")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        assert (screen.queue, screen.location) == ("emails", "queued")
        await wait_for(pilot, lambda: screen.page is not None and len(screen.page.jobs) == 1)

        await pilot.press("tab")  # queued -> started
        assert screen.location == "started"
        await pilot.press("l", "l", "l")  # -> scheduled, deferred, failed
        assert screen.location == "failed"
        await wait_for(pilot, lambda: screen.page is not None and len(screen.page.jobs) == 2)
        table = screen.query_one(JobsTable)
        assert table.selected_key == failed[-1]  # newest first
        await pilot.press("j")
        assert table.selected_key == failed[0]
        await pilot.press("h")  # back to deferred, then forward again
        assert screen.location == "deferred"
        await pilot.press("l")
        await wait_for(pilot, lambda: screen.page is not None and len(screen.page.jobs) == 2)

        await pilot.press("enter")
        job_screen = await wait_for(pilot, lambda: isinstance(app.screen, JobScreen)
                                    and app.screen)
        await wait_for(pilot, lambda: job_screen.detail is not None)
        assert job_screen.detail.id == failed[-1]
        assert job_screen.detail.status == "failed"
        assert "ValueError: bad address" in (job_screen.detail.exc_info or "")
        assert job_screen.detail.args == ["'bad address'"]

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is job_screen
        await pilot.press("escape")
        assert app.screen is screen and screen.location == "failed"
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("escape")  # nothing above the overview
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_f_opens_the_failed_registry_and_worker_enter_opens_its_job(
        connection: redis.Redis, make_app) -> None:
    from tests.tui.conftest import running_job

    fail_jobs(connection, "default", ["boom"])
    job_id = running_job(connection, "w1")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.snapshot and app.snapshot.workers)
        await pilot.press("f")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        assert screen.location == "failed"
        await pilot.press("escape", "tab")  # focus the workers table
        await pilot.press("enter")
        job_screen = await wait_for(pilot, lambda: isinstance(app.screen, JobScreen)
                                    and app.screen)
        assert job_screen.job_id == job_id


async def test_filter_matches_function_id_and_exception_text(connection: redis.Redis,
                                                             make_app) -> None:
    failed = fail_jobs(connection, "default", ["smtp refused", "bad address", "smtp timeout"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(QueuesTable).row_count == 1)
        await pilot.press("f")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.page is not None and len(screen.page.jobs) == 3)

        await pilot.press("slash", *"SMTP", "enter")
        assert screen.text == "SMTP"
        await wait_for(pilot, lambda: screen.page is not None and len(screen.page.jobs) == 2)
        assert {j.id for j in screen.page.jobs} == {failed[0], failed[2]}

        for text, expected in ((failed[1][:10], [failed[1]]),
                               ("tests.jobs.fail", failed[::-1])):
            await pilot.press("slash")
            screen.query_one(FilterBar).value = text
            await pilot.press("enter")
            await wait_for(pilot, lambda expected=expected: screen.page is not None
                           and [j.id for j in screen.page.jobs] == expected)

        await pilot.press("slash", "escape")  # escape clears the filter
        assert screen.text == ""
        await polled(pilot, app)
        assert screen.page is not None and len(screen.page.jobs) == 3


async def test_paging_reads_one_screenful_at_a_time(connection: redis.Redis, make_app) -> None:
    queue = Queue("bulk", connection=connection)
    ids = [queue.enqueue("tests.jobs.add", i, i).id for i in range(40)]
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: app.query_one(QueuesTable).row_count == 1)
        await pilot.press("enter")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.page is not None
                       and len(screen.page.jobs) == screen.view_request().limit)
        limit = screen.view_request().limit
        assert 5 <= limit < 40
        assert [j.id for j in screen.page.jobs] == ids[:limit]  # the queue, head first
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.page is not None and screen.page_start == limit
                       and [j.id for j in screen.page.jobs] == ids[limit:2 * limit])
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: screen.page is not None and screen.page_start == 0
                       and [j.id for j in screen.page.jobs] == ids[:limit])
