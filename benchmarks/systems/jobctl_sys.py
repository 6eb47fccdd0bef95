"""jobctl: ``Queue.enqueue``, ``Worker`` (fork per job, or per 100 jobs) and ``SimpleWorker``
(in-process)."""

from __future__ import annotations

from typing import Any

import jobctl
from benchmarks.systems.rq_style import RQStyleAdapter


class Adapter(RQStyleAdapter):
    name = "jobctl"
    lib = jobctl
    drain_modes = {"inprocess": "SimpleWorker (--no-fork)",
                   "fork": "Worker (fork per job, from a fork server as `jobctl worker` does)",
                   "fork100": "Worker, each forked process runs 100 jobs in turn "
                   "(`jobctl worker --jobs-per-horse 100`)"}
    bulk_method = ("Queue.enqueue_many(Queue.prepare_data(...)) (one script call per 1,000 jobs, "
                   "one round trip per batch)")

    def worker_options(self, mode: str) -> dict[str, Any]:
        if mode == "fork100":
            return {"fork_server": True, "jobs_per_horse": 100}
        return {"fork_server": True} if mode == "fork" else {}
