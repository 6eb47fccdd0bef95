"""Where a forking worker's CPU goes, per job: the worker, its fork server, the work-horses.

    python -m benchmarks.fork_split --url redis://127.0.0.1:PORT/0 [--n 4000] [--no-fork-server]

Queues N no-op jobs, runs one burst ``Worker`` over them in this process and reads the CPU
times of the three kinds of process from ``/proc`` (the server's reaped children are the
work-horses; with ``--no-fork-server`` the worker's own children are). Not a test: the figures
move with the machine's load, so compare runs taken side by side.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import redis

from benchmarks import tasks
from jobctl import Queue, Worker

_TICK = os.sysconf("SC_CLK_TCK")


def _times(pid: int) -> tuple[float, float, float, float]:
    """utime, stime, cutime, cstime of a live process, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return tuple(int(value) / _TICK for value in fields[11:15])  # type: ignore[return-value]


def _server_pid() -> int | None:
    """This process's child running the fork server, if any."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    command = cmdline.read()
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == os.getpid() and b"forkserver_process" in command:
                return int(entry)
    return None


def _watch_server(readings: list[tuple[float, float, float, float]],
                  done: threading.Event) -> None:
    """Keep the fork server's latest CPU times (it exits with the worker's run, and then its
    figures are gone): read every 20 ms, so at most that much of its work is missed."""
    pid = None
    while not done.wait(0.02):
        pid = pid or _server_pid()
        if pid is not None:
            try:
                readings[:] = [_times(pid)]
            except (OSError, ValueError):
                return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fork_split")
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--no-fork-server", action="store_true")
    opts = parser.parse_args(argv)

    connection = redis.Redis.from_url(opts.url)
    connection.flushdb()
    queue = Queue("split", connection=connection)
    queue.enqueue_many([Queue.prepare_data(tasks.noop) for _ in range(opts.n)])
    worker = Worker([queue], connection=connection, fork_server=not opts.no_fork_server)
    server_times: list[tuple[float, float, float, float]] = []
    done = threading.Event()
    watcher = threading.Thread(target=_watch_server, args=(server_times, done), daemon=True)
    watcher.start()
    before, started = os.times(), time.monotonic()
    worker.work(burst=True)
    elapsed, after = time.monotonic() - started, os.times()
    done.set()
    watcher.join()

    n = opts.n
    ms = 1000 / n
    own = (after.user - before.user + after.system - before.system) * ms
    children = (after.children_user - before.children_user
                + after.children_system - before.children_system) * ms
    print(f"{n} jobs in {elapsed:.2f} s: {n / elapsed:.0f} jobs/s")
    print(f"worker        {own:.2f} ms CPU per job")
    if server_times:
        user, system, horses_user, horses_system = server_times[0]  # last reading
        print(f"fork server   {(user + system) * ms:.2f} ms CPU per job")
        print(f"work-horses   {(horses_user + horses_system) * ms:.2f} ms CPU per job")
    else:
        print(f"work-horses   {children:.2f} ms CPU per job (children of the worker)")
    print(f"all           {own + children:.2f} ms CPU per job")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
