"""The in-process worker acts on control commands while a job runs in its own process."""

from __future__ import annotations

import threading

from jobctl import Callback, JobStatus, Queue, SimpleWorker, send_stop_job_command
from tests import jobs
from tests.fixtures_engine import KEYS, wait_until


def test_stop_command_interrupts_a_sleeping_in_process_job(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.sleep_for, 30, on_stopped=Callback(jobs.record_stopped))
    worker = SimpleWorker([q], connection=connection, heartbeat_interval=0.2)

    def stop_when_started() -> None:
        wait_until(lambda: job.get_status() == JobStatus.STARTED, timeout=10)
        send_stop_job_command(connection, job.id)

    stopper = threading.Thread(target=stop_when_started)
    stopper.start()
    worker.work(burst=True)
    stopper.join()

    assert job.get_status() == JobStatus.STOPPED
    assert "stopped on request" in (job.exc_info or "")
    assert connection.lrange(jobs.CALLBACK_LOG, 0, -1) == [f"stopped:{job.id}".encode()]
    assert job.id in q.failed_job_registry


def test_a_stop_for_another_job_leaves_the_running_job_alone(connection):
    q = Queue(connection=connection)
    job = q.enqueue(jobs.sleep_for, 0.5)
    worker = SimpleWorker([q], connection=connection, heartbeat_interval=0.1)

    def send_unrelated_stop() -> None:
        wait_until(lambda: job.get_status() == JobStatus.STARTED, timeout=10)
        connection.rpush(KEYS.worker_commands(worker.name), "stop-job other-job")

    sender = threading.Thread(target=send_unrelated_stop)
    sender.start()
    worker.work(burst=True)
    sender.join()
    assert job.get_status() == JobStatus.FINISHED
