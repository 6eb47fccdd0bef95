"""The kill storm (issue #4, item 2): hundreds of short jobs, three ``jobctl worker`` processes
with ``--on-abandon requeue``, and every second or two a random worker's whole process group is
SIGKILLed and replaced. In the end every job is finished, none lost or stuck in ``started``,
and only jobs whose run was interrupted by a kill ran more than once.

It runs twice: with a fresh work-horse per job, and with work-horses reused for 5 jobs
(``--jobs-per-horse 5``). Select it with ``pytest -m kill_storm``; ``JOBCTL_STORM_SEED``
replays a run's kill schedule and ``JOBCTL_STORM_JOBS`` sets the number of jobs (750).
"""

from __future__ import annotations

import collections
import os
import random
import signal
import time

import pytest

from jobctl import Queue
from tests import reliability_jobs as rjobs
from tests.reliability_support import KEYS, Fleet, WorkerProcess

JOBS = int(os.environ.get("JOBCTL_STORM_JOBS") or 750)
JOB_SECONDS = 0.04
WORKERS = 3
STORM_DEADLINE = 45.0
"""Seconds the whole storm (kills included) may take before the test fails."""

EXECUTIONS = "storm:executions"


def _statuses(connection, job_ids: list[str]) -> list[tuple[str | None, int]]:
    """(status, times requeued after abandonment) of each job, in one round trip."""
    pipe = connection.pipeline(transaction=False)
    for job_id in job_ids:
        pipe.hmget(KEYS.job(job_id), "status", "abandoned")
    return [(s.decode() if s else None, int(a or 0)) for s, a in pipe.execute()]


def _freeze_and_read(connection, victim: WorkerProcess) -> tuple[str, str] | None:
    """Stop the victim's process group (so it cannot change anything), then read which job it
    runs and under which token: the run the kill interrupts, if any."""
    os.killpg(victim.pid, signal.SIGSTOP)
    job_id = (connection.hget(KEYS.worker(victim.name), "current_job") or b"").decode()
    if not job_id:
        return None
    status, worker, token = connection.hmget(KEYS.job(job_id), "status", "worker", "token")
    if status != b"started" or worker is None or worker.decode() != victim.name or not token:
        return None
    return job_id, token.decode()


@pytest.mark.kill_storm
@pytest.mark.timeout(120)
@pytest.mark.parametrize("jobs_per_horse", [1, 5], ids=["fresh-horses", "reused-horses"])
def test_kill_storm_loses_nothing_and_duplicates_only_interrupted_runs(
    connection, redis_url, tmp_path, jobs_per_horse
):
    seed = int(os.environ.get("JOBCTL_STORM_SEED") or random.SystemRandom().randrange(10**6))
    rng = random.Random(seed)
    args = ("--on-abandon", "requeue", "--log-level", "warning",
            "--jobs-per-horse", str(jobs_per_horse))
    with Fleet(redis_url, tmp_path, connection) as fleet:
        live = [fleet.start(*args, name=f"storm-{i}", wait=False) for i in range(WORKERS)]
        for worker in live:
            worker.wait_registered(connection)
        q = Queue(connection=connection)
        pipe_jobs = [q.enqueue(rjobs.run_once_marked, EXECUTIONS, JOB_SECONDS)
                     for _ in range(JOBS)]
        job_ids = [job.id for job in pipe_jobs]

        began = time.monotonic()
        kills = 0
        interrupted: dict[str, list[float]] = collections.defaultdict(list)
        pending: list[tuple[str, str, float]] = []  # (job id, token, killed at)
        settle_times: list[float] = []
        next_kill = began + rng.uniform(1.0, 2.0)

        def drained() -> bool:
            return (connection.llen(KEYS.queue("default")) == 0
                    and connection.zcard(KEYS.registry("started", "default")) == 0)

        while True:
            now = time.monotonic()
            assert now - began < STORM_DEADLINE, (
                f"storm not drained after {STORM_DEADLINE:g} s (seed {seed}): "
                f"{collections.Counter(s for s, _ in _statuses(connection, job_ids))}")
            for entry in list(pending):  # a kill's run is settled once its token lost the job
                job_id, token, killed_at = entry
                current = connection.hmget(KEYS.job(job_id), "token", "status")
                if current[0] is None or current[0].decode() != token or current[1] != b"started":
                    settle_times.append(now - killed_at)
                    pending.remove(entry)
            if drained() and not pending:
                break
            if now >= next_kill and not drained():
                victim = live.pop(rng.randrange(len(live)))
                run = _freeze_and_read(connection, victim)
                victim.kill_group()
                killed_at = time.monotonic()
                kills += 1
                if run is not None:
                    interrupted[run[0]].append(killed_at)
                    pending.append((run[0], run[1], killed_at))
                live.append(fleet.start(*args, name=f"storm-{kills + WORKERS - 1}", wait=False))
                next_kill = killed_at + rng.uniform(1.0, 2.0)
            time.sleep(0.02)
        elapsed = time.monotonic() - began

        states = _statuses(connection, job_ids)
        ran = collections.Counter(e.decode() for e in connection.lrange(EXECUTIONS, 0, -1))
        by_status = collections.Counter(status for status, _ in states)
        lost = [j for j, (status, _) in zip(job_ids, states, strict=True)
                if status not in ("finished", "failed")]
        duplicated = {j: n for j, n in ran.items() if n > 1}
        requeues = sum(abandoned for _, abandoned in states)
        print(
            f"\nkill storm (seed {seed}, {jobs_per_horse} jobs per horse): {JOBS} jobs x "
            f"{JOB_SECONDS:g} s, {WORKERS} workers, "
            f"{kills} kills ({len(interrupted)} interrupted a run) in {elapsed:.1f} s; "
            f"statuses {dict(by_status)}; lost {len(lost)}; "
            f"jobs run twice or more {len(duplicated)} "
            f"({sum(duplicated.values()) - len(duplicated)} extra runs); "
            f"abandoned-run requeues {requeues}; "
            f"max kill -> settled {max(settle_times, default=0):.2f} s "
            f"(mean {sum(settle_times) / max(len(settle_times), 1):.2f} s)"
        )
        assert kills >= 3, f"the storm was too short to kill anything (seed {seed})"
        assert lost == [], f"jobs not in a terminal state (seed {seed}): {lost[:5]}"
        assert by_status["started"] == 0
        assert set(ran) == set(job_ids), f"jobs never ran (seed {seed})"
        assert set(duplicated) <= set(interrupted), (
            f"jobs ran twice without a kill interrupting them (seed {seed}): "
            f"{set(duplicated) - set(interrupted)}")
        for job_id, (_, abandoned) in zip(job_ids, states, strict=True):
            assert ran[job_id] <= 1 + abandoned, (job_id, ran[job_id], abandoned, seed)
        assert requeues <= kills
        assert len(settle_times) == sum(len(k) for k in interrupted.values())
        assert max(settle_times, default=0) < 5.0
        # --on-abandon requeue re-ran every interrupted job; only the cap (3) makes one fail.
        assert all(a == 3 for status, a in states if status == "failed"), (seed, states)
