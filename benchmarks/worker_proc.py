"""One worker process: ``python -m benchmarks.worker_proc SYSTEM MODE --url URL [--expect N]``.

It imports the system and builds its worker, prints ``ready``, and waits for ``go`` on stdin,
so interpreter start-up and imports stay outside the measured time. Then it runs the worker:
with ``--expect`` until that many jobs are done (burst mode where the system has one), else
until SIGTERM (``BENCH_PROFILE=path`` profiles that run). Last it prints one JSON line:
when it was released, when its last job was done
(both ``time.monotonic``, comparable across processes), and the CPU it used in between
(its own threads plus reaped children such as work-horses).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

from benchmarks import common, systems

COUNT_ROUND_TRIPS_ENV = "BENCH_COUNT_ROUND_TRIPS"
PROFILE_ENV = "BENCH_PROFILE"
"""When set, the worker's run is profiled with cProfile into ``$BENCH_PROFILE.<pid>``."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker_proc")
    parser.add_argument("system", choices=systems.NAMES)
    parser.add_argument("mode")
    parser.add_argument("--url", required=True)
    parser.add_argument("--expect", type=int, default=None)
    opts = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    counter = common.RoundTrips() if os.environ.get(COUNT_ROUND_TRIPS_ENV) else None
    adapter = systems.load(opts.system, opts.url)
    run = adapter.prepare_worker(opts.mode, opts.expect)

    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 2
    released, cpu_before = time.monotonic(), common.cpu_seconds()
    trips_before = counter.count if counter else 0
    if os.environ.get(PROFILE_ENV):
        import cProfile

        profiler = cProfile.Profile()
        profiler.runcall(run)
        profiler.dump_stats(f"{os.environ[PROFILE_ENV]}.{os.getpid()}")
    else:
        run()
    common.mark_done()  # no-op when a hook already marked the last job
    report = {
        "released": released,
        "done": common.DONE["at"],
        "cpu": common.DONE["cpu"] - cpu_before,
        "pid": os.getpid(),
    }
    if counter is not None:
        report["round_trips"] = counter.count - trips_before
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
