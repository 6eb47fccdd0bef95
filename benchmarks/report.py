"""Turning the collected measurements into the printed tables and the goal verdicts."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Results = dict[str, dict[str, list[dict[str, Any]]]]
"""``results[row key][system]`` is one JSON result per repeat."""


@dataclass(frozen=True)
class Row:
    label: str
    key: str
    metric: str
    unit: str
    higher_is_better: bool


ROWS = [
    Row("enqueue, one per call", "enqueue_one", "jobs_per_s", "jobs/s", True),
    Row("enqueue, client CPU", "enqueue_one", "client_cpu_us", "us/job", False),
    Row("enqueue, Redis CPU", "enqueue_one", "redis_cpu_us", "us/job", False),
    Row("enqueue, bulk", "enqueue_many", "jobs_per_s", "jobs/s", True),
    Row("enqueue bulk, client CPU", "enqueue_many", "client_cpu_us", "us/job", False),
    Row("enqueue bulk, Redis CPU", "enqueue_many", "redis_cpu_us", "us/job", False),
    Row("drain, in-process worker", "drain_inprocess", "jobs_per_s", "jobs/s", True),
    Row("drain, fork per job", "drain_fork", "jobs_per_s", "jobs/s", True),
    Row("drain, 2 procs in-process", "drain2_inprocess", "jobs_per_s", "jobs/s", True),
    Row("drain, 2 procs fork", "drain2_fork", "jobs_per_s", "jobs/s", True),
    Row("drain, fork per 100 jobs", "drain_fork100", "jobs_per_s", "jobs/s", True),
    Row("drain, 2 procs fork per 100", "drain2_fork100", "jobs_per_s", "jobs/s", True),
    Row("drain, 1 proc x 8 threads", "drain_threads8", "jobs_per_s", "jobs/s", True),
    Row("worker CPU, in-process", "drain_inprocess", "cpu_ms_per_job", "ms/job", False),
    Row("worker CPU, fork", "drain_fork", "cpu_ms_per_job", "ms/job", False),
    Row("Redis CPU in drain, in-proc", "drain_inprocess", "redis_cpu_ms_per_job", "ms/job",
        False),
    Row("Redis CPU in drain, fork", "drain_fork", "redis_cpu_ms_per_job", "ms/job", False),
    Row("closed loop p50, in-process", "latency_closed_inprocess", "p50_ms", "ms", False),
    Row("closed loop p99, in-process", "latency_closed_inprocess", "p99_ms", "ms", False),
    Row("closed loop p50, fork", "latency_closed_fork", "p50_ms", "ms", False),
    Row("closed loop p99, fork", "latency_closed_fork", "p99_ms", "ms", False),
    Row("100/s open p50, in-process", "latency_open_inprocess", "p50_ms", "ms", False),
    Row("100/s open p99, in-process", "latency_open_inprocess", "p99_ms", "ms", False),
    Row("100/s open p50, fork", "latency_open_fork", "p50_ms", "ms", False),
    Row("100/s open p99, fork", "latency_open_fork", "p99_ms", "ms", False),
    Row("enqueue round trips", "commands_inprocess", "enqueue_round_trips", "/job", False),
    Row("enqueue Redis commands", "commands_inprocess", "enqueue_commands", "/job", False),
    Row("drain round trips, in-proc", "commands_inprocess", "drain_round_trips", "/job", False),
    Row("drain Redis cmds, in-proc", "commands_inprocess", "drain_commands", "/job", False),
    Row("drain round trips, fork", "commands_fork", "drain_round_trips", "/job", False),
    Row("drain Redis cmds, fork", "commands_fork", "drain_commands", "/job", False),
    Row("memory per queued job", "memory_queued", "bytes_per_job", "B", False),
    Row("memory per finished job", "memory_finished", "bytes_per_job", "B", False),
]


def values(results: Results, key: str, system: str, metric: str) -> list[float]:
    return [float(r[metric]) for r in results.get(key, {}).get(system, [])
            if r.get("ok") and metric in r]


def median(results: Results, key: str, system: str, metric: str) -> float | None:
    found = values(results, key, system, metric)
    return statistics.median(found) if found else None


def _num(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def cell(results: Results, key: str, system: str, metric: str) -> str:
    found = values(results, key, system, metric)
    if not found:
        runs = results.get(key, {}).get(system, [])
        return "n/a" if any("na" in r for r in runs) else ("error" if runs else "-")
    text = _num(statistics.median(found))
    if len(found) > 1:
        text += f" [{_num(min(found))}-{_num(max(found))}]"
    return text


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in rows]
    return "\n".join([line, rule, *body])


def absolute_table(results: Results, systems: list[str]) -> str:
    rows = []
    for row in ROWS:
        cells = [cell(results, row.key, s, row.metric) for s in systems]
        if all(c == "-" for c in cells):
            continue
        better = "higher" if row.higher_is_better else "lower"
        rows.append([row.label, f"{row.unit} ({better})", *cells])
    return table(["measure", "unit (better)", *systems], rows)


def ratio_table(results: Results, peers: list[str]) -> str:
    """jobctl / peer for every measure both have; >1 is jobctl ahead when higher is better."""
    rows = []
    for row in ROWS:
        ours = median(results, row.key, "jobctl", row.metric)
        cells = []
        for peer in peers:
            theirs = median(results, row.key, peer, row.metric)
            ok = ours is not None and theirs is not None and theirs > 0
            cells.append(f"{ours / theirs:.2f}x" if ok else "-")  # type: ignore[operator]
        if all(c == "-" for c in cells):
            continue
        better = "higher" if row.higher_is_better else "lower"
        rows.append([row.label, f"{better} is better", *cells])
    return table(["measure (jobctl / peer)", "", *[f"vs {p}" for p in peers]], rows)


def kept_up_table(results: Results, systems: list[str]) -> str:
    rows = []
    for key, label in (("latency_open_inprocess", "in-process"), ("latency_open_fork", "fork")):
        cells = []
        for system in systems:
            runs = [r for r in results.get(key, {}).get(system, []) if r.get("ok")]
            cells.append(f"{sum(bool(r['kept_up']) for r in runs)}/{len(runs)}" if runs else "-")
        rows.append([f"kept up with 100 jobs/s, {label}", *cells])
    return table(["open loop (runs that kept up)", *systems], rows)


def breakdown(results: Results, systems: list[str], key: str = "commands_inprocess") -> str:
    """Redis commands per job by type (server side, scripts' inner commands included)."""
    lines = []
    for system in systems:
        runs = [r for r in results.get(key, {}).get(system, []) if r.get("ok")]
        if not runs:
            continue
        for phase in ("enqueue", "drain"):
            parts = [f"{name} {n:.2f}" for name, n in runs[0][f"{phase}_by_command"].items()
                     if n >= 0.05]
            lines.append(f"  {system:9} {phase:8} {', '.join(parts)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- goals

Check = Callable[[Results], tuple[bool | None, str]]


def _ratio_goal(key: str, metric: str, peer: str, at_least: float | None = None,
                at_most: float | None = None, ours: str = "jobctl") -> Check:
    def check(results: Results) -> tuple[bool | None, str]:
        a, b = median(results, key, ours, metric), median(results, key, peer, metric)
        if a is None or b is None or b == 0:
            return None, "not measured"
        ratio = a / b
        met = ratio >= at_least if at_least is not None else ratio <= (at_most or 0)
        return met, f"{ratio:.3f}x ({_num(a)} vs {_num(b)})"

    return check


def _scaling_goal(mode: str, at_least: float) -> Check:
    def check(results: Results) -> tuple[bool | None, str]:
        one = median(results, f"drain_{mode}", "jobctl", "jobs_per_s")
        two = median(results, f"drain2_{mode}", "jobctl", "jobs_per_s")
        if one is None or two is None:
            return None, "not measured"
        return two / one >= at_least, f"{two / one:.3f}x ({_num(two)} vs {_num(one)} jobs/s)"

    return check


def _limit_goal(key: str, metric: str, limit: float, kept_up: bool = False) -> Check:
    def check(results: Results) -> tuple[bool | None, str]:
        value = median(results, key, "jobctl", metric)
        if value is None:
            return None, "not measured"
        detail = f"{_num(value)} ms (limit {limit:g})"
        met = value <= limit if not kept_up else value < limit
        if kept_up:
            runs = [r for r in results.get(key, {}).get("jobctl", []) if r.get("ok")]
            all_kept = all(r["kept_up"] for r in runs)
            detail += f", kept up in {sum(bool(r['kept_up']) for r in runs)}/{len(runs)} runs"
            met = met and all_kept
        return met, detail

    return check


GOALS: list[tuple[str, Check]] = [
    ("enqueue single >= 1.1x huey", _ratio_goal("enqueue_one", "jobs_per_s", "huey", 1.1)),
    ("enqueue single >= 3.5x rq", _ratio_goal("enqueue_one", "jobs_per_s", "rq", 3.5)),
    ("enqueue_many >= 4x rq's", _ratio_goal("enqueue_many", "jobs_per_s", "rq", 4)),
    ("drain in-process >= 1.2x huey (1 thread)",
     _ratio_goal("drain_inprocess", "jobs_per_s", "huey", 1.2)),
    ("drain in-process >= 12x rq SimpleWorker",
     _ratio_goal("drain_inprocess", "jobs_per_s", "rq", 12)),
    ("drain fork >= 10x rq Worker", _ratio_goal("drain_fork", "jobs_per_s", "rq", 10)),
    ("fork keeps up with 100 jobs/s, start p99 < 20 ms",
     _limit_goal("latency_open_fork", "p99_ms", 20, kept_up=True)),
    ("closed-loop start p50 <= 1.5 ms in-process",
     _limit_goal("latency_closed_inprocess", "p50_ms", 1.5)),
    ("closed-loop start p50 <= 5 ms fork", _limit_goal("latency_closed_fork", "p50_ms", 5)),
    ("memory per queued job <= 0.6x rq",
     _ratio_goal("memory_queued", "bytes_per_job", "rq", at_most=0.6)),
    ("memory per finished job <= 0.1x rq",
     _ratio_goal("memory_finished", "bytes_per_job", "rq", at_most=0.1)),
    ("two worker processes >= 1.4x one (in-process)", _scaling_goal("inprocess", 1.4)),
    ("two worker processes >= 1.4x one (fork)", _scaling_goal("fork", 1.4)),
]


def reuse_lines(results: Results) -> list[str]:
    """The reused work-horses (``--jobs-per-horse 100``) against rq's fork per job, and two
    such workers against one: what isolation costs when it does not fork for every job."""
    lines = []
    for text, key, (other_key, other) in (
            ("fork per 100 jobs vs rq Worker (fork per job)", "drain_fork100",
             ("drain_fork", "rq")),
            ("two procs vs one, fork per 100 jobs", "drain2_fork100",
             ("drain_fork100", "jobctl"))):
        ours, theirs = (median(results, key, "jobctl", "jobs_per_s"),
                        median(results, other_key, other, "jobs_per_s"))
        detail = "not measured" if ours is None or not theirs else \
            f"{ours / theirs:.2f}x ({_num(ours)} vs {_num(theirs)} jobs/s)"
        lines.append(f"  {text}: {detail}")
    return lines


def goal_lines(results: Results) -> list[str]:
    lines = []
    for text, check in GOALS:
        met, detail = check(results)
        verdict = "not measured" if met is None else ("met" if met else "NOT MET")
        lines.append(f"  [{verdict:^12}] {text}: {detail}")
    return lines
