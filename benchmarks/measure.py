"""One measurement in a fresh interpreter; prints one JSON object on stdout.

``python -m benchmarks.measure SYSTEM MEASURE --url URL [--n N] [--mode M] [--procs K] ...``

Measures: ``enqueue_one``, ``enqueue_many``, ``drain``, ``latency_closed``, ``latency_open``,
``commands``, ``memory_queued``, ``memory_finished``. The Redis at ``--url`` is emptied first.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks import common, systems, tasks
from benchmarks.systems import NotAvailable, System
from benchmarks.worker_proc import COUNT_ROUND_TRIPS_ENV

BATCH = 1000
WARMUP = 20
KEPT_UP_MAX = 0.25
"""An open-loop run kept up when every job started, none later than this (seconds) after its
enqueue: a worker slower than the offered rate builds a backlog that grows past it in seconds."""
Result = dict[str, Any]


def fill(adapter: System, n: int, task: str = "noop") -> None:
    """Queue ``n`` jobs the fastest way the system has (bulk if it has it)."""
    try:
        for start in range(0, n, BATCH):
            adapter.enqueue_many(task, [() for _ in range(min(BATCH, n - start))])
    except NotAvailable:
        for _ in range(n - adapter.queued_count()):
            adapter.enqueue_one(task)


def enqueue_one(adapter: System, opts: argparse.Namespace) -> Result:
    for _ in range(WARMUP):
        adapter.enqueue_one("noop")
    server = common.server_cpu(adapter.redis)
    cpu, began = common.cpu_seconds(), time.perf_counter()
    for _ in range(opts.n):
        adapter.enqueue_one("noop")
    elapsed, cpu = time.perf_counter() - began, common.cpu_seconds() - cpu
    server = common.server_cpu(adapter.redis) - server
    return {"jobs_per_s": opts.n / elapsed, "client_cpu_us": cpu / opts.n * 1e6,
            "redis_cpu_us": server / opts.n * 1e6}


def enqueue_many(adapter: System, opts: argparse.Namespace) -> Result:
    adapter.enqueue_many("noop", [()] * 10)  # warm-up; raises NotAvailable for "n/a"
    server = common.server_cpu(adapter.redis)
    cpu, began = common.cpu_seconds(), time.perf_counter()
    for start in range(0, opts.n, opts.batch):
        adapter.enqueue_many("noop", [() for _ in range(min(opts.batch, opts.n - start))])
    elapsed, cpu = time.perf_counter() - began, common.cpu_seconds() - cpu
    server = common.server_cpu(adapter.redis) - server
    return {"jobs_per_s": opts.n / elapsed, "client_cpu_us": cpu / opts.n * 1e6,
            "redis_cpu_us": server / opts.n * 1e6, "batch": opts.batch}


def drain(adapter: System, opts: argparse.Namespace) -> Result:
    """Pre-queue N no-op jobs, release ``--procs`` ready workers, time until all are done."""
    adapter.check_mode(opts.mode)
    fill(adapter, opts.n)
    with common.workers(adapter.name, opts.mode, opts.url, opts.n, opts.procs) as procs:
        server = common.server_cpu(adapter.redis)
        for proc in procs:
            proc.go()
        reports = [proc.wait_report(opts.timeout) for proc in procs]
        server = common.server_cpu(adapter.redis) - server
    left = adapter.queued_count()
    if left:
        raise RuntimeError(f"{left} jobs left after the drain")
    elapsed = max(r["done"] for r in reports) - min(r["released"] for r in reports)
    cpu = sum(r["cpu"] for r in reports)
    return {"jobs_per_s": opts.n / elapsed, "cpu_ms_per_job": cpu / opts.n * 1e3,
            "redis_cpu_ms_per_job": server / opts.n * 1e3, "seconds": elapsed,
            "procs": opts.procs}


class Stamps:
    """Receives the ``stamp`` jobs' start times on a loopback UDP socket."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(30.0)
        self.env = {tasks.STAMP_PORT_ENV: str(self.sock.getsockname()[1])}

    def receive(self) -> tuple[int, float]:
        seq, started = self.sock.recv(256).decode().split()
        return int(seq), float(started)

    def closed_loop(self, adapter: System, count: int, first: int = 0) -> list[float]:
        """Enqueue, wait for the job's start, repeat; start latencies in seconds."""
        latencies = []
        for seq in range(first, first + count):
            sent = time.monotonic()
            adapter.enqueue_one("stamp", seq)
            got, started = self.receive()
            while got != seq:
                got, started = self.receive()
            latencies.append(started - sent)
        return latencies


def _latency_summary(latencies: list[float]) -> Result:
    ms = [x * 1e3 for x in latencies]
    return {"p50_ms": common.percentile(ms, 50), "p99_ms": common.percentile(ms, 99),
            "max_ms": max(ms), "samples": len(ms)}


def latency_closed(adapter: System, opts: argparse.Namespace) -> Result:
    adapter.check_mode(opts.mode)
    stamps = Stamps()
    with common.workers(adapter.name, opts.mode, opts.url, None, env=stamps.env) as [proc]:
        proc.go()
        stamps.closed_loop(adapter, WARMUP, first=0)
        latencies = stamps.closed_loop(adapter, opts.n, first=WARMUP)
    return _latency_summary(latencies)


def latency_open(adapter: System, opts: argparse.Namespace) -> Result:
    """Offer ``--rate`` jobs/s on a fixed schedule for ``--seconds``; latency per job."""
    adapter.check_mode(opts.mode)
    stamps = Stamps()
    total = int(opts.rate * opts.seconds)
    sent: dict[int, float] = {}
    started: dict[int, float] = {}
    stop = threading.Event()

    def receive() -> None:
        stamps.sock.settimeout(0.2)
        while not stop.is_set() or len(started) < len(sent):
            try:
                seq, at = stamps.receive()
            except TimeoutError:
                if stop.is_set():
                    return
                continue
            started[seq] = at

    with common.workers(adapter.name, opts.mode, opts.url, None, env=stamps.env) as [proc]:
        proc.go()
        stamps.closed_loop(adapter, WARMUP, first=-WARMUP)
        receiver = threading.Thread(target=receive, daemon=True)
        receiver.start()
        begin, behind = time.monotonic() + 0.05, 0.0
        for seq in range(total):
            target = begin + seq / opts.rate
            pause = target - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            sent[seq] = time.monotonic()
            behind = max(behind, sent[seq] - target)
            adapter.enqueue_one("stamp", seq)
        deadline = time.monotonic() + 3.0
        while len(started) < total and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        receiver.join(1.0)
    latencies = [started[s] - sent[s] for s in sent if s in started]
    summary = _latency_summary(latencies) if latencies else {}
    kept_up = len(latencies) == total and max(latencies) < KEPT_UP_MAX
    return {**summary, "offered": total, "started": len(latencies), "kept_up": kept_up,
            "enqueuer_behind_ms": behind * 1e3}


def commands(adapter: System, opts: argparse.Namespace) -> Result:
    """Redis commands (server side, by type) and client round trips per job."""
    adapter.check_mode(opts.mode)
    counter = common.RoundTrips()  # patched before any of this process's traffic below
    r = common.client(opts.url)
    r.script_flush()
    r.config_resetstat()
    before = counter.count
    for _ in range(opts.n):
        adapter.enqueue_one("noop")
    enqueue_trips = counter.count - before
    enqueue_stats = common.command_stats(r)
    env = {COUNT_ROUND_TRIPS_ENV: "1"}
    with common.workers(adapter.name, opts.mode, opts.url, opts.n, env=env) as [proc]:
        r.config_resetstat()
        proc.go()
        report = proc.wait_report(opts.timeout)
    drain_stats = common.command_stats(r)

    def per_job(stats: dict[str, int]) -> dict[str, float]:
        ranked = sorted(stats.items(), key=lambda kv: -kv[1])
        return {name: calls / opts.n for name, calls in ranked}

    return {
        "enqueue_round_trips": enqueue_trips / opts.n,
        "enqueue_commands": sum(enqueue_stats.values()) / opts.n,
        "enqueue_by_command": per_job(enqueue_stats),
        "drain_round_trips": report["round_trips"] / opts.n,
        "drain_commands": sum(drain_stats.values()) / opts.n,
        "drain_by_command": per_job(drain_stats),
    }


def _held_by_keys(r: Any, n: int) -> Result:
    """Memory the keys hold: ``used_memory`` now minus after FLUSHALL, on the same connection.

    Measuring the baseline after (not before) keeps one-off growth out of the figure, such as
    a script cache or client buffers that are not freed by FLUSHALL.
    """
    keys = r.dbsize()
    time.sleep(0.3)
    held = common.used_memory(r)
    r.flushall()
    time.sleep(0.3)
    base = common.used_memory(r)
    return {"bytes_per_job": (held - base) / n, "keys_per_job": keys / n}


def memory_queued(adapter: System, opts: argparse.Namespace) -> Result:
    fill(adapter, opts.n)
    return _held_by_keys(common.client(opts.url), opts.n)


def memory_finished(adapter: System, opts: argparse.Namespace) -> Result:
    """Drain N jobs with default result TTLs; what stays in Redis per finished job."""
    adapter.check_mode(opts.mode)
    fill(adapter, opts.n)
    with common.workers(adapter.name, opts.mode, opts.url, opts.n) as [proc]:
        proc.go()
        proc.wait_report(opts.timeout)
    return _held_by_keys(common.client(opts.url), opts.n)


MEASURES: dict[str, Callable[[System, argparse.Namespace], Result]] = {
    f.__name__: f
    for f in (enqueue_one, enqueue_many, drain, latency_closed, latency_open, commands,
              memory_queued, memory_finished)
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure")
    parser.add_argument("system", choices=systems.NAMES)
    parser.add_argument("measure", choices=sorted(MEASURES))
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--mode", default="inprocess")
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    opts = parser.parse_args(argv)

    common.client(opts.url).flushall()
    adapter = systems.load(opts.system, opts.url)
    try:
        result: Result = {"ok": True, **MEASURES[opts.measure](adapter, opts)}
    except NotAvailable as exc:
        result = {"ok": False, "na": str(exc)}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
