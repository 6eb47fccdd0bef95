"""rq: ``Queue.enqueue``, ``Queue.enqueue_many``, ``Worker`` (fork) and ``SimpleWorker``."""

from __future__ import annotations

import rq

from benchmarks.systems.rq_style import RQStyleAdapter


class Adapter(RQStyleAdapter):
    name = "rq"
    lib = rq
