"""Every action goes through a confirmation that says what will happen, and really happens on
Redis once confirmed (and the next poll shows it)."""

from __future__ import annotations

from typing import Any

import redis
from textual.pilot import Pilot

from jobctl import Job, Queue
from jobctl_tui import JobctlApp
from jobctl_tui.screens.confirm import ConfirmScreen
from jobctl_tui.screens.job import JobScreen
from jobctl_tui.screens.jobs import JobsScreen
from jobctl_tui.widgets.queues_table import QueuesTable
from jobctl_tui.widgets.workers_table import WorkersTable
from tests.tui.conftest import KEYS, fail_jobs, fake_worker, running_job, wait_for

SIZE = (100, 30)


def status(connection: redis.Redis, job_id: str) -> str | None:
    raw = connection.hget(KEYS.job(job_id), "status")
    return raw.decode() if raw else None


async def confirm(pilot: Pilot[Any], app: JobctlApp, key: str, answer: str = "y") -> str:
    """Press an action key, read the modal's question, answer it; returns the question."""
    await pilot.press(key)
    modal = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen,
                           what=f"the confirmation of {key}")
    question = modal.action.question
    await pilot.press(answer)
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    return question


async def open_queue(pilot: Pilot[Any], app: JobctlApp, location: str) -> JobsScreen:
    await wait_for(pilot, lambda: app.query_one(QueuesTable).row_count >= 1)
    await pilot.press("enter")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen)
    while screen.location != location:
        await pilot.press("tab")
    await wait_for(pilot, lambda: screen.page is not None and screen.page.jobs)
    return screen


async def test_requeue_one_failed_job(connection: redis.Redis, make_app) -> None:
    first, second = fail_jobs(connection, "default", ["one", "two"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app, "failed")
        assert screen.query_one("JobsTable").selected_key == second
        question = await confirm(pilot, app, "R")
        assert question == f"Requeue job {second} (tests.jobs.fail) in 'default'?"
        await wait_for(pilot, lambda: status(connection, second) == "queued")
        assert status(connection, first) == "failed"
        # The next poll shows it: the failed list holds only the other job now.
        await wait_for(pilot, lambda: screen.page is not None
                       and [j.id for j in screen.page.jobs] == [first])


async def test_requeue_all_matching_failed_jobs_states_the_count(connection: redis.Redis,
                                                                 make_app) -> None:
    ids = fail_jobs(connection, "emails", ["smtp refused", "bad address", "smtp timeout"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app, "failed")
        await pilot.press("slash", *"smtp", "enter")
        await wait_for(pilot, lambda: screen.page is not None and len(screen.page.jobs) == 2)
        question = await confirm(pilot, app, "A")
        assert question == "Requeue 2 failed jobs in 'emails' matching 'smtp'?"
        await wait_for(pilot, lambda: [status(connection, i) for i in ids]
                       == ["queued", "failed", "queued"])


async def test_requeue_every_failed_job_of_a_queue_from_the_overview(connection: redis.Redis,
                                                                     make_app) -> None:
    ids = fail_jobs(connection, "emails", ["a", "b", "c"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.snapshot and app.snapshot.queues)
        question = await confirm(pilot, app, "R")
        assert question == "Requeue 3 failed jobs in 'emails'?"
        await wait_for(pilot, lambda: all(status(connection, i) == "queued" for i in ids))
        await wait_for(pilot, lambda: app.snapshot.queues[0].queued == 3
                       and app.snapshot.queues[0].failed == 0)


async def test_saying_no_changes_nothing(connection: redis.Redis, make_app) -> None:
    (job_id,) = fail_jobs(connection, "default", ["one"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot, app, "failed")
        await confirm(pilot, app, "D", answer="n")
        await confirm(pilot, app, "D", answer="escape")
        await confirm(pilot, app, "R", answer="enter")  # the focused button is "No"
        await pilot.pause(0.2)
        assert status(connection, job_id) == "failed"


async def test_delete_a_job_from_its_job_view(connection: redis.Redis, make_app) -> None:
    (job_id,) = fail_jobs(connection, "default", ["one"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot, app, "failed")
        await pilot.press("enter")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, JobScreen) and app.screen)
        await wait_for(pilot, lambda: screen.detail is not None)
        question = await confirm(pilot, app, "D")
        assert question == f"Delete failed job {job_id} (tests.jobs.fail) from 'default'?"
        await wait_for(pilot, lambda: not connection.exists(KEYS.job(job_id)))
        assert not connection.zscore(KEYS.registry("failed", "default"), job_id)
        await wait_for(pilot, lambda: screen._loaded and screen.detail is None)


async def test_cancel_a_queued_job(connection: redis.Redis, make_app) -> None:
    queue = Queue("default", connection=connection)
    keep, cancel = queue.enqueue("tests.jobs.add", 1, 1), queue.enqueue("tests.jobs.add", 2, 2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app, "queued")
        await pilot.press("j")
        assert screen.query_one("JobsTable").selected_key == cancel.id
        question = await confirm(pilot, app, "C")
        assert question == f"Cancel queued job {cancel.id} (tests.jobs.add) in 'default'?"
        await wait_for(pilot, lambda: status(connection, cancel.id) == "canceled")
        assert queue.job_ids == [keep.id]


async def test_stop_a_running_job(connection: redis.Redis, make_app) -> None:
    job_id = running_job(connection, "worker-1")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot, app, "started")
        question = await confirm(pilot, app, "S")
        assert question == f"Stop running job {job_id} (tests.jobs.sleep_for) on worker worker-1?"
        await wait_for(pilot, lambda: connection.lrange(KEYS.worker_commands("worker-1"), 0, -1)
                       == [f"stop-job {job_id}".encode()])


async def test_stop_a_workers_job_and_warm_stop_the_worker(connection: redis.Redis,
                                                           make_app) -> None:
    job_id = running_job(connection, "worker-1")
    fake_worker(connection, "worker-2")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(WorkersTable).row_count == 2)
        app.query_one(WorkersTable).focus()
        await pilot.pause()
        question = await confirm(pilot, app, "S")
        assert question == f"Stop running job {job_id} (tests.jobs.sleep_for) on worker worker-1?"
        await pilot.press("j")
        question = await confirm(pilot, app, "W")
        assert question == "Stop worker worker-2 (warm shutdown)?"
        commands = KEYS.worker_commands
        await wait_for(pilot, lambda: connection.lrange(commands("worker-2"), 0, -1)
                       == [b"shutdown"])
        assert connection.lrange(commands("worker-1"), 0, -1) == [f"stop-job {job_id}".encode()]


async def test_empty_a_queue(connection: redis.Redis, make_app) -> None:
    queue = Queue("default", connection=connection)
    jobs = [queue.enqueue("tests.jobs.add", i, i) for i in range(3)]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.snapshot and app.snapshot.queues)
        question = await confirm(pilot, app, "E")
        assert question == "Empty queue 'default': delete its 3 queued jobs?"
        await wait_for(pilot, lambda: connection.llen(KEYS.queue("default")) == 0)
        assert not any(Job.exists(j.id, connection=connection) for j in jobs)
        await wait_for(pilot, lambda: app.snapshot.queues[0].queued == 0)


async def test_pause_and_resume_a_queue(connection: redis.Redis, make_app) -> None:
    queue = Queue("default", connection=connection)
    queue.enqueue("tests.jobs.add", 1, 1)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.snapshot and app.snapshot.queues)
        assert await confirm(pilot, app, "P") == "Pause queue 'default'?"
        await wait_for(pilot, lambda: queue.is_paused)
        await wait_for(pilot, lambda: app.snapshot.queues[0].paused)
        assert await confirm(pilot, app, "P") == "Resume queue 'default'?"
        await wait_for(pilot, lambda: not queue.is_paused)


async def test_an_action_that_fails_is_reported_and_changes_nothing(connection: redis.Redis,
                                                                     make_app) -> None:
    (job_id,) = fail_jobs(connection, "default", ["one"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot, app, "failed")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        Job(job_id, connection=connection).requeue()  # someone else was quicker
        await pilot.press("y")
        await wait_for(pilot, lambda: any("not requeued" in str(n.message)
                                          for n in app._notifications))
