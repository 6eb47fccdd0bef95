"""Real worker processes for the reliability tests: ``jobctl worker`` started in its own session
(so a test can SIGKILL its whole process group, as a crash or an OOM kill would), its log kept
in a file, and everything it started cleaned up at the end of the test."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from redis import Redis

from jobctl.keys import Keys
from tests.fixtures_engine import ROOT, worker_env
from tests.polling import wait_until

KEYS = Keys()

JOBCTL = str(Path(sys.executable).with_name("jobctl"))

FAST = ("--heartbeat-interval", "0.2", "--lease", "1", "--maintenance-interval", "0.2")
"""Short reliability knobs: a dead worker's job is settled within about two seconds."""

LEASE = 1.0
MAINTENANCE = 0.2


wait_for = wait_until
"""The shared deadline poll, under the name these tests use."""


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None when there is none."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie counts as gone)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def process_ref(pid: int) -> tuple[int, str] | None:
    """``pid`` with its start time, so a later kill cannot hit a process that reused the pid."""
    fields = _stat(pid)
    return None if fields is None else (pid, fields[19])


def kill_if_same(ref: tuple[int, str] | None) -> None:
    """SIGKILL the process ``ref`` names if it still runs (not another one with its pid)."""
    if ref is not None and process_ref(ref[0]) == ref:
        with contextlib.suppress(ProcessLookupError):
            os.kill(ref[0], signal.SIGKILL)


_LIBRARY_WORKER = """
import json, logging, sys
import redis
from jobctl import SimpleWorker, Worker
from jobctl.maintenance import AbandonPolicy
url, spec = sys.argv[1], json.loads(sys.argv[2])
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
options = spec["options"]
if "abandon_policy" in options:
    options["abandon_policy"] = AbandonPolicy(**options["abandon_policy"])
cls = SimpleWorker if spec["simple"] else Worker
worker = cls(spec["queues"], connection=redis.Redis.from_url(url), name=spec["name"], **options)
worker.work(**spec["work"])
"""


def library_worker_command(url: str, name: str, queues: Sequence[str], options: dict[str, Any],
                           work: dict[str, Any], simple: bool = False) -> list[str]:
    """A ``Worker(...).work(...)`` in its own process, for knobs the CLI does not expose."""
    spec = {"name": name, "queues": list(queues), "options": options, "work": work,
            "simple": simple}
    return [sys.executable, "-c", _LIBRARY_WORKER, url, json.dumps(spec)]


class WorkerProcess:
    """One ``jobctl worker`` process (or pool supervisor), leader of its own process group."""

    def __init__(self, url: str, name: str, args: Sequence[str], log_path: Path,
                 env: dict[str, str] | None = None, command: list[str] | None = None) -> None:
        self.name = name
        self.log_path = log_path
        self.command = command or [JOBCTL, "--url", url, "worker", "--name", name, *args]
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=worker_env(**(env or {})), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_registered(self, connection: Redis, timeout: float = 15.0,
                        name: str | None = None) -> None:
        """Wait until the worker's record is in Redis (so its signal handlers are installed)."""
        key = KEYS.worker(name or self.name)

        def registered() -> bool:
            if not self.running:
                raise AssertionError(f"worker {self.name} exited early:\n{self.log()}")
            return bool(connection.exists(key))

        wait_for(registered, timeout, f"worker {name or self.name} to register")

    def send(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill_group(self) -> None:
        """SIGKILL the worker's whole process group and reap the worker."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(10)

    def wait_exit(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"worker {self.name} still running after {timeout:g} s:\n{self.log()}"
            ) from None


class Fleet:
    """Starts workers for one test and makes sure none (nor their work-horses) outlive it."""

    def __init__(self, url: str, directory: Path, connection: Redis) -> None:
        self.url = url
        self.directory = directory
        self.connection = connection
        self.workers: list[WorkerProcess] = []

    def start(self, *args: str, name: str | None = None, fast: bool = True, wait: bool = True,
              url: str | None = None, env: dict[str, str] | None = None) -> WorkerProcess:
        name = name or f"w{len(self.workers)}-{uuid.uuid4().hex[:6]}"
        worker = WorkerProcess(url or self.url, name, [*(FAST if fast else ()), *args],
                               self.directory / f"{name}.log", env)
        self.workers.append(worker)
        if wait:
            worker.wait_registered(self.connection)
        return worker

    def start_library(self, queues: Sequence[str] = ("default",), name: str | None = None,
                      work: dict[str, Any] | None = None, simple: bool = False,
                      wait: bool = True, **options: Any) -> WorkerProcess:
        """A library ``Worker`` (``SimpleWorker`` with ``simple``) in its own process."""
        name = name or f"lib{len(self.workers)}-{uuid.uuid4().hex[:6]}"
        options = {"heartbeat_interval": 0.2, "lease": LEASE,
                   "maintenance_interval": MAINTENANCE, **options}
        command = library_worker_command(self.url, name, queues, options, work or {}, simple)
        worker = WorkerProcess(self.url, name, (), self.directory / f"{name}.log",
                               command=command)
        self.workers.append(worker)
        if wait:
            worker.wait_registered(self.connection)
        return worker

    def close(self) -> None:
        for worker in self.workers:
            if worker.running:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(10)

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def horse_pids(connection: Redis, log_key: str) -> list[int]:
    """The pids noted by ``note_pid_and_sleep`` (``<job id>:<pid>`` entries)."""
    return [int(entry.split(b":")[1]) for entry in connection.lrange(log_key, 0, -1)]


def job_field(connection: Redis, job_id: str, field: str) -> str | None:
    value = connection.hget(KEYS.job(job_id), field)
    return None if value is None else value.decode()


def holds(predicate: Callable[[], Any], seconds: float, what: str) -> None:
    """Check that ``predicate`` stays true for ``seconds`` (a bounded observation window)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert predicate(), f"no longer true: {what}"
        time.sleep(0.05)
