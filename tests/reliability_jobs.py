"""Job bodies for the reliability tests: each one leaves a trace in Redis (through the job's own
connection) so a test can count executions, see when they started, and find their processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from redis import Redis

from jobctl import get_current_job


def _job_connection() -> tuple[str, Redis]:
    job = get_current_job()
    assert job is not None, "must run as a job"
    return job.id, job.connection


def run_once_marked(log_key: str, seconds: float = 0.0) -> str:
    """Append this job's id to ``log_key`` (one entry per execution), then sleep."""
    job_id, connection = _job_connection()
    connection.rpush(log_key, job_id)
    if seconds:
        time.sleep(seconds)
    return job_id


def note_pid_and_sleep(log_key: str, seconds: float) -> int:
    """Append ``<job id>:<pid>`` to ``log_key`` when it starts, then sleep."""
    job_id, connection = _job_connection()
    connection.rpush(log_key, f"{job_id}:{os.getpid()}")
    time.sleep(seconds)
    return os.getpid()


def slow_first_run(log_key: str, first_run_seconds: float) -> int:
    """Sleeps on its first execution only; returns how many times it has run."""
    job_id, connection = _job_connection()
    runs = int(connection.rpush(log_key, job_id))
    if runs == 1:
        time.sleep(first_run_seconds)
    return runs


def stamp_and_fail(log_key: str) -> None:
    """Append the wall-clock start time to ``log_key``, then fail (for retry intervals)."""
    _, connection = _job_connection()
    connection.rpush(log_key, repr(time.time()))
    raise RuntimeError("failing on purpose")


def spawn_grandchild_and_sleep(log_key: str, seconds: float, block_alarm: bool = False) -> None:
    """Start a subprocess (a grandchild of the worker), note ``<pid>:<grandchild pid>``, then
    sleep; with ``block_alarm`` the soft timeout is ignored, as a stuck C call would."""
    _, connection = _job_connection()
    if block_alarm:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])
    connection.rpush(log_key, f"{os.getpid()}:{child.pid}")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)
    child.wait()


def stamp_run(log_key: str) -> float:
    """Append ``<job id>:<wall-clock start time>`` to ``log_key``."""
    job_id, connection = _job_connection()
    moment = time.time()
    connection.rpush(log_key, f"{job_id}:{moment!r}")
    return moment
