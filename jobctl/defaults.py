"""Every default jobctl uses, in one place, so they are visible at a glance."""

from __future__ import annotations

NAMESPACE = "jobctl"
QUEUE_NAME = "default"

JOB_TIMEOUT = 180
"""Seconds a job may run before it is stopped (RQ's default)."""
RESULT_TTL = 500
"""Seconds a successful result is kept."""
FAILURE_TTL = 365 * 24 * 3600
"""Seconds a failed job is kept: one year."""
CALLBACK_TIMEOUT = 60
"""Seconds a success/failure/stopped callback may run."""

MAX_PAYLOAD_BYTES = 1024 * 1024
"""Largest serialized argument payload accepted at enqueue."""

WORKER_HEARTBEAT_INTERVAL = 10.0
"""Seconds between a worker's heartbeats."""
WORKER_LEASE = 30.0
"""Seconds without a heartbeat after which a worker counts as dead and its jobs as abandoned."""
WORKER_BLOCK_TIMEOUT = 5.0
"""Longest single blocking wait for new jobs; the worker heartbeats between waits."""
HARD_KILL_GRACE = 10.0
"""Seconds past ``job_timeout`` after which the parent kills a child that ignored the timeout."""
MAINTENANCE_INTERVAL = 15.0
"""Seconds between a worker's registry clean-ups and searches for abandoned jobs: with the lease,
a dead worker's job is settled within about 45 s (the CLI's default too)."""
WARM_SHUTDOWN_TIMEOUT = 300.0
"""Seconds a warm shutdown waits for the running job before it turns cold."""
ABANDONED_REQUEUE_CAP = 3
"""With ``--on-abandon requeue``: how many times one job is re-run after its worker died."""
