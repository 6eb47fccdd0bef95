"""The benchmark driver: ``python -m benchmarks.run [--quick] [--systems jobctl,rq] [--repeats 3]``.

It starts one scratch redis-server (``jobctl.embedded.RedisProcess``, loopback only) shared by
all systems, then runs every measurement as its own ``python -m benchmarks.measure`` process,
repeats interleaved across systems (the order rotates every repeat), and prints medians with
min-max, ratios of jobctl to each peer measured in the same run, and a verdict per goal.
Counts (Redis commands, memory) are deterministic and measured in the first repeat only.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks import report, systems
from jobctl.embedded import RedisProcess

MEASURE_TIMEOUT = 300.0


@dataclass(frozen=True)
class Spec:
    """One row key: which measurement with which arguments, for which systems."""

    key: str
    measure: str
    full: dict[str, Any]
    quick: dict[str, Any]
    only: tuple[str, ...] = ()
    mode: str = "inprocess"
    once: bool = False
    args: dict[str, Any] = field(default_factory=dict)


SPECS = [
    Spec("enqueue_one", "enqueue_one", {"n": 5000}, {"n": 500}),
    Spec("enqueue_many", "enqueue_many", {"n": 20000}, {"n": 2000}),
    Spec("drain_inprocess", "drain", {"n": 2000}, {"n": 300}),
    Spec("drain_fork", "drain", {"n": 600}, {"n": 100}, mode="fork"),
    Spec("drain2_inprocess", "drain", {"n": 2000}, {"n": 300}, only=("jobctl",),
         args={"procs": 2}),
    Spec("drain2_fork", "drain", {"n": 600}, {"n": 100}, only=("jobctl",), mode="fork",
         args={"procs": 2}),
    Spec("drain_fork100", "drain", {"n": 2000}, {"n": 300}, only=("jobctl",), mode="fork100"),
    Spec("drain2_fork100", "drain", {"n": 2000}, {"n": 300}, only=("jobctl",),
         mode="fork100", args={"procs": 2}),
    Spec("drain_threads8", "drain", {"n": 2000}, {"n": 300}, only=("dramatiq",),
         mode="threads8"),
    Spec("latency_closed_inprocess", "latency_closed", {"n": 300}, {"n": 50}),
    Spec("latency_closed_fork", "latency_closed", {"n": 300}, {"n": 50}, mode="fork"),
    Spec("latency_open_inprocess", "latency_open", {"seconds": 10}, {"seconds": 2}),
    Spec("latency_open_fork", "latency_open", {"seconds": 10}, {"seconds": 2}, mode="fork"),
    Spec("commands_inprocess", "commands", {"n": 500}, {"n": 100}, once=True),
    Spec("commands_fork", "commands", {"n": 200}, {"n": 50}, mode="fork", once=True),
    Spec("memory_queued", "memory_queued", {"n": 10000}, {"n": 1000}, once=True),
    Spec("memory_finished", "memory_finished", {"n": 2000}, {"n": 300}, once=True),
]


def drain_modes(system: str) -> dict[str, str]:
    module = importlib.import_module(f"benchmarks.systems.{system}_sys")
    modes: dict[str, str] = module.Adapter.drain_modes
    return modes


def applies(spec: Spec, system: str) -> bool:
    if spec.only and system not in spec.only:
        return False
    return spec.mode in drain_modes(system)


def run_one(spec: Spec, system: str, url: str, quick: bool) -> dict[str, Any]:
    params = {**(spec.quick if quick else spec.full), **spec.args, "mode": spec.mode}
    args = [sys.executable, "-m", "benchmarks.measure", system, spec.measure, "--url", url]
    for name, value in params.items():
        args += [f"--{name}", str(value)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=MEASURE_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {MEASURE_TIMEOUT:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return {"ok": False, "error": f"exit {done.returncode}: {tail}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def flushall(url: str) -> None:
    from benchmarks.common import client

    client(url).flushall()


def machine_line() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.node()}: nproc {os.cpu_count()}, load average {load}"


def versions(names: list[str]) -> str:
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True,
                                   text=True, check=False).stdout.split()
    server = next((w.split("=", 1)[1] for w in redis_version if w.startswith("v=")), "?")
    parts = [f"{n} {systems.version(n)}" for n in names]
    return f"python {platform.python_version()}, redis-server {server}, " + ", ".join(parts)


def select_systems(names: str) -> tuple[list[str], list[str]]:
    """The requested systems that are installed, and a note for each one skipped."""
    chosen, notes = [], []
    for name in names.split(","):
        if name not in systems.NAMES:
            raise SystemExit(f"unknown system {name!r}; choose from {', '.join(systems.NAMES)}")
        if systems.installed(name):
            chosen.append(name)
        else:
            notes.append(f"skipped {name}: not installed (pip install -e '.[bench]')")
    return chosen, notes


def run_all(specs: list[Spec], chosen: list[str], repeats: int, quick: bool
            ) -> tuple[report.Results, float]:
    """Every measurement, repeats interleaved; returns the results and the peak 1-min load."""
    results: report.Results = {}
    peak_load = os.getloadavg()[0]
    with RedisProcess() as server:
        for rep in range(repeats):
            order = chosen[rep % len(chosen):] + chosen[:rep % len(chosen)]
            for spec in specs:
                if spec.once and rep > 0:
                    continue
                for system in (s for s in order if applies(spec, s)):
                    flushall(server.url)
                    peak_load = max(peak_load, os.getloadavg()[0])
                    result = run_one(spec, system, server.url, quick)
                    results.setdefault(spec.key, {}).setdefault(system, []).append(result)
                    status = "ok" if result.get("ok") else result.get("na") or result["error"]
                    print(f"  [{rep + 1}/{repeats}] {spec.key:26} {system:9} {status}",
                          file=sys.stderr, flush=True)
    return results, peak_load


def render(results: report.Results, chosen: list[str]) -> list[str]:
    lines = [
        "Medians [min-max] over the repeats; in-process = jobctl SimpleWorker / rq "
        "SimpleWorker / huey 1 thread / dramatiq 1x1; fork = Worker (fork per job).",
        report.absolute_table(results, chosen),
        "",
        report.kept_up_table(results, chosen),
        "",
        "Memory per finished job: huey keeps nothing for a task that returns None (results "
        "are stored only for other values) and dramatiq has no result backend by default, so "
        "their figures are ~0 and have no ratio.",
        "",
    ]
    peers = [s for s in chosen if s != "jobctl"]
    if "jobctl" in chosen and peers:
        lines += [report.ratio_table(results, peers), ""]
    lines += ["Redis commands per job by type (in-process worker; includes commands run "
              "inside scripts):", report.breakdown(results, chosen), ""]
    if "jobctl" in chosen:
        lines += ["Goals:", *report.goal_lines(results), "",
                  "Beyond the goals (forked processes reused for 100 jobs each, so not fork "
                  "per job):", *report.reuse_lines(results)]
    errors = [f"  {key} {system}: {r['error']}" for key, per in results.items()
              for system, runs in per.items() for r in runs if "error" in r]
    if errors:
        lines += ["", "Errors:", *errors]
    return lines


def git_state() -> str:
    """The commit measured, and whether the work tree had uncommitted changes to jobctl/."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              check=False).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "jobctl")
    return head + (" + uncommitted changes in jobctl/" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small N, one repeat: a smoke run")
    parser.add_argument("--systems", default=",".join(systems.NAMES),
                        help="comma-separated, from: " + ", ".join(systems.NAMES))
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--only", default="", help="comma-separated row keys to run")
    parser.add_argument("--json", default="", help="also write the raw results here")
    parser.add_argument("--markdown", default="", help="also write the report here")
    parser.add_argument("--from-json", default="",
                        help="only print the report of a run saved with --json")
    opts = parser.parse_args(argv)
    repeats = opts.repeats or (1 if opts.quick else 3)
    if opts.from_json:
        with open(opts.from_json) as saved:
            data = json.load(saved)
        print("\n".join([*data["header"], "", *render(data["results"], data["systems"])]))
        return 0
    chosen, notes = select_systems(opts.systems)
    specs = [s for s in SPECS if not opts.only or s.key in opts.only.split(",")]

    started = datetime.datetime.now().astimezone()
    header = [
        f"date: {started:%Y-%m-%d %H:%M %Z}",
        "command: " + shlex.join(["python", "-m", "benchmarks.run", *(argv or sys.argv[1:])]),
        f"machine at start: {machine_line()}",
        f"versions: {versions(chosen)}",
        f"jobctl measured at: {git_state()}",
        f"repeats: {repeats}{' (quick)' if opts.quick else ''}",
        *[f"note: {n}" for n in notes],
    ]
    print("\n".join(header), file=sys.stderr, flush=True)
    began = time.monotonic()
    results, peak_load = run_all(specs, chosen, repeats, opts.quick)
    header += [
        f"machine at end: {machine_line()}; highest 1-min load seen: {peak_load:.2f}",
        f"wall time: {time.monotonic() - began:.0f} s",
    ]
    text = "\n".join([*header, "", *render(results, chosen)])
    print("\n" + text)
    if opts.markdown:
        with open(opts.markdown, "w") as out:
            out.write(f"# Benchmark results\n\n```\n{text}\n```\n")
    if opts.json:
        with open(opts.json, "w") as out:
            json.dump({"header": header, "systems": chosen, "results": results}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
