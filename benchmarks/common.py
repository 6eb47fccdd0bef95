"""Helpers shared by the measuring process and the worker processes."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import redis

DONE: dict[str, float] = {}
"""Set by :func:`mark_done` in a worker process: when its last expected job was done."""


def cpu_seconds() -> float:
    """User + system CPU of this process (all threads) and of its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def mark_done() -> None:
    if not DONE:
        DONE.update(at=time.monotonic(), cpu=cpu_seconds())


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, ``q`` in 0..100."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


# --------------------------------------------------------------------------- round trips


class RoundTrips:
    """Counts client round trips by wrapping redis-py's ``send_packed_command``.

    One call sends one command or a whole pipeline, so one call is one round trip. The counter
    lives in shared memory so forked children (work-horses) add to the same total.
    """

    def __init__(self) -> None:
        self.value = multiprocessing.Value("q", 0)
        original = redis.connection.AbstractConnection.send_packed_command
        counter = self.value

        def counting(conn: Any, command: Any, check_health: bool = True) -> Any:
            with counter.get_lock():
                counter.value += 1
            return original(conn, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = counting

    @property
    def count(self) -> int:
        return int(self.value.value)


# --------------------------------------------------------------------------- Redis server side


def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def used_memory(r: redis.Redis) -> int:
    """``used_memory``, median of three reads (client buffers make single reads jitter)."""
    reads = sorted(int(r.info("memory")["used_memory"]) for _ in range(3))
    return reads[1]


def server_cpu(r: redis.Redis) -> float:
    """CPU seconds the redis-server process has used (user + system, all its threads)."""
    info = r.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def command_stats(r: redis.Redis) -> dict[str, int]:
    """Calls per command since the last ``CONFIG RESETSTAT``, the harness's own excluded."""
    stats = r.info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}
    for own in ("info", "config|resetstat", "config", "flushall", "ping", "hello",
                "client|setinfo", "client"):  # fmt: skip
        calls.pop(own, None)
    return calls


# --------------------------------------------------------------------------- worker processes


@dataclass
class WorkerProc:
    """A gated worker process: built and ready before the clock starts, then released."""

    proc: subprocess.Popen[str]
    log: IO[str]
    report: dict[str, Any] = field(default_factory=dict)

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def wait_report(self, timeout: float) -> dict[str, Any]:
        """Wait for the process to finish and return its JSON report."""
        assert self.proc.stdout is not None
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise RuntimeError(
                f"worker did not finish within {timeout:.0f} s: {self.tail()}"
            ) from exc
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if self.proc.returncode != 0 or not lines:
            raise RuntimeError(f"worker failed ({self.proc.returncode}): {self.tail()}")
        self.report = json.loads(lines[-1])
        return self.report

    def terminate(self, timeout: float = 10.0) -> None:
        """SIGTERM (warm shutdown), then SIGKILL."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return " | ".join(self.log.read().splitlines()[-8:])


def start_worker(system: str, mode: str, url: str, expect: int | None,
                 env: dict[str, str] | None = None, timeout: float = 60.0) -> WorkerProc:
    """Start ``benchmarks.worker_proc`` and wait until its worker is built and waiting."""
    args = [sys.executable, "-m", "benchmarks.worker_proc", system, mode, "--url", url]
    if expect is not None:
        args += ["--expect", str(expect)]
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by WorkerProc.terminate
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    worker = WorkerProc(proc, log)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = proc.stdout.readline()
    if line.strip() != "ready" or time.monotonic() > deadline:
        worker.kill()
        raise RuntimeError(f"worker {system}/{mode} did not get ready: {line!r} {worker.tail()}")
    return worker


@contextlib.contextmanager
def workers(system: str, mode: str, url: str, expect: int | None, count: int = 1,
            env: dict[str, str] | None = None) -> Any:
    """Start ``count`` gated workers; whatever happens, none outlives the block."""
    started: list[WorkerProc] = []
    try:
        for _ in range(count):
            started.append(start_worker(system, mode, url, expect, env))
        yield started
    finally:
        for worker in started:
            worker.terminate()
