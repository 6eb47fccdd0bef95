"""Jobs for the fork server's tests: this module imports nothing of jobctl or redis-py at the
top, like a user's module of plain functions, so what a work-horse holds can be observed."""

from __future__ import annotations

import os
import signal
import sys
import time

IMPORTED_IN = os.getpid()
"""The process that imported this module: a work-horse, or the fork server it came from."""


def where() -> dict[str, object]:
    """Which process ran the job, its parent, who imported this module, and what it holds."""
    return {"pid": os.getpid(), "parent": os.getppid(), "imported_in": IMPORTED_IN,
            "redis_loaded": "redis" in sys.modules}


def uses_jobctl(key: str) -> str:
    """Asks the package for a name (finishing it in a fork-server work-horse) and writes
    through the job's own connection."""
    import jobctl
    from jobctl import get_current_job

    job = get_current_job()
    assert job is not None
    job.connection.set(key, job.id)
    assert not isinstance(jobctl.job, type(os)), "jobctl.job is the decorator, not the module"
    return "ok"


def kill_own_parent() -> None:
    """SIGKILL the process that forked this work-horse (the fork server, in those tests),
    then wait for the parent-death signal that should end this process too."""
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(30)


def die_by_signal() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def note_pid_and_sleep(path: str, seconds: float) -> None:
    with open(path, "w") as out:
        out.write(str(os.getpid()))
    time.sleep(seconds)


CALLS = 0
"""Jobs run by this process so far (a work-horse reused for several jobs counts up)."""


def count_call() -> dict[str, int]:
    """This process and how many jobs it has run, this one included."""
    global CALLS
    CALLS += 1
    return {"pid": os.getpid(), "calls": CALLS}
