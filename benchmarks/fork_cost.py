"""What one fork costs before any job runs: a ``fork`` + ``_exit`` + ``waitpid`` loop.

    python -S -m benchmarks.fork_cost                 # a bare interpreter
    python -m benchmarks.fork_cost --server-imports   # holding what the fork server holds

The floor under "a fresh process per job": the parent's page tables are copied and the
child's torn down again, whatever the job does. With ``--server-imports`` the interpreter
first imports what ``jobctl``'s fork server imports (the package without its ``__init__``,
as the server boots), so the figure is the fork part of a work-horse. Not a test: compare
runs taken side by side.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sys
import time


def _load_server_imports() -> None:
    """Import ``jobctl.forkserver_process`` the way the fork server does: the package's
    ``__init__`` (redis-py and the whole library) is not run."""
    spec = importlib.util.find_spec("jobctl")
    assert spec is not None
    sys.modules["jobctl"] = importlib.util.module_from_spec(spec)
    importlib.import_module("jobctl.forkserver_process")


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(forks: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process and its children) per fork + exit + wait."""
    started, cpu = time.perf_counter(), _cpu_seconds()
    for _ in range(forks):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    return (time.perf_counter() - started) / forks, (_cpu_seconds() - cpu) / forks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fork_cost")
    parser.add_argument("--forks", type=int, default=2000)
    parser.add_argument("--server-imports", action="store_true")
    opts = parser.parse_args(argv)
    if opts.server_imports:
        _load_server_imports()
    wall, cpu = measure(opts.forks)
    with open("/proc/self/statm") as statm:
        resident_mb = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    what = "with the fork server's imports" if opts.server_imports else "as started"
    print(f"{what}: {resident_mb:.1f} MB resident, {len(sys.modules)} modules; per fork + exit + "
          f"wait: {wall * 1e3:.3f} ms wall, {cpu * 1e3:.3f} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
