"""Polling: one poll at a time, the next only after the last one finished; pause, refresh now,
interval steps; failures keep the last data and say so."""

from __future__ import annotations

import threading

from jobctl.stats import Snapshot
from jobctl_tui import JobctlApp
from jobctl_tui.widgets.banner import Banner
from jobctl_tui.widgets.queues_table import QueuesTable
from tests.tui.conftest import wait_for
from tests.tui.fakes import FakeSource

SIZE = (100, 30)


class SlowSource(FakeSource):
    """Each snapshot waits for the gate, and the source counts how many run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.calls = self.active = self.most_active = 0

    def snapshot(self) -> Snapshot:
        with self.lock:
            self.calls += 1
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            self.gate.wait(10)
            return super().snapshot()
        finally:
            with self.lock:
                self.active -= 1


async def test_polls_never_overlap_and_a_slow_poll_delays_the_next() -> None:
    source = SlowSource()
    app = JobctlApp(source, interval=0.05)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: source.calls == 1)
            await pilot.press("r", "r", "r")
            app.poll_now()
            await pilot.pause(0.3)  # six intervals: a timer-driven poller would have piled up
            assert (source.calls, source.most_active) == (1, 1)
            source.gate.set()
            await wait_for(pilot, lambda: source.calls >= 4)  # the refresh asked for, then timer
            assert source.most_active == 1
    finally:
        source.gate.set()


async def test_pause_polling_refresh_now_and_interval_keys() -> None:
    source = SlowSource()
    source.gate.set()
    app = JobctlApp(source, interval=2.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.status.polls == 1)
        await pilot.press("plus")
        assert app.poller.interval == 5.0
        await pilot.press("minus", "minus", "minus")
        assert app.poller.interval == 0.5
        await pilot.press("p")
        assert app.status.paused
        await wait_for(pilot, lambda: not app.poller.in_flight)
        calls = source.calls
        await pilot.pause(0.8)  # longer than the interval: no poll while paused
        assert source.calls == calls
        await pilot.press("r")
        await wait_for(pilot, lambda: source.calls == calls + 1 and not app.poller.in_flight)
        await pilot.pause(0.8)
        assert source.calls == calls + 1
        await pilot.press("p")
        await wait_for(pilot, lambda: source.calls >= calls + 3)


async def test_a_failing_poll_keeps_the_last_data_and_says_why() -> None:
    source = FakeSource()
    app = JobctlApp(source, interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(QueuesTable).row_count == 3)
        source.fail_polls = True
        banner = app.query_one(Banner)
        await wait_for(pilot, lambda: banner.has_class("-visible"))
        text = str(banner.render())
        assert "Redis unreachable — retrying every 0.1s" in text
        assert "Error 111 connecting to redis.internal:6379" in text
        assert app.query_one(QueuesTable).row_count == 3
        assert app.screen.has_class("-stale")
        source.fail_polls = False
        await wait_for(pilot, lambda: not banner.has_class("-visible"))
