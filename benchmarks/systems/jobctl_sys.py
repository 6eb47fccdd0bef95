"""jobctl: ``Queue.enqueue``, ``Worker`` (fork per job) and ``SimpleWorker`` (in-process)."""

from __future__ import annotations

import jobctl
from benchmarks.systems.rq_style import RQStyleAdapter


class Adapter(RQStyleAdapter):
    name = "jobctl"
    lib = jobctl
    drain_modes = {"inprocess": "SimpleWorker (--no-fork)", "fork": "Worker (fork per job)"}
    bulk_method = ("Queue.enqueue_many(Queue.prepare_data(...)) (one script call per 1,000 jobs, "
                   "one round trip per batch)")
