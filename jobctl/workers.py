"""Worker records as others see them, and the control commands sent to live workers.

Commands go into a per-worker Redis list rather than pub/sub, so a command sent while the
worker is busy or reconnecting waits for it instead of being lost; an idle worker blocks on
that list together with its queues' wake-up lists, so it reacts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis import Redis

from jobctl.context import resolve_connection, resolve_keys
from jobctl.exceptions import InvalidJobOperation, NoSuchJobError, NoSuchWorkerError
from jobctl.keys import Keys
from jobctl.utils import utc_from_timestamp

COMMAND_TTL = 3600
"""Seconds an unread command is kept (a worker that never comes back must not leak it)."""


@dataclass(frozen=True)
class WorkerInfo:
    """A registered worker, read from its record."""

    name: str
    hostname: str
    pid: int
    queue_names: list[str]
    state: str
    current_job_id: str | None
    birth_date: datetime | None
    last_heartbeat: datetime | None
    successful_job_count: int
    failed_job_count: int
    total_working_time: float
    mode: str
    jobs_per_horse: int | None = None
    """Jobs each forked work-horse runs in turn (None for an in-process worker)."""

    @classmethod
    def from_record(cls, name: str, record: dict[bytes, bytes]) -> WorkerInfo:
        def text(field: str) -> str:
            return record.get(field.encode(), b"").decode()

        queues = text("queues")
        return cls(
            name=name,
            hostname=text("host"),
            pid=int(text("pid") or 0),
            queue_names=queues.split(",") if queues else [],
            state=text("state") or "unknown",
            current_job_id=text("current_job") or None,
            birth_date=utc_from_timestamp(float(text("birth") or 0) or None),
            last_heartbeat=utc_from_timestamp(float(text("last_heartbeat") or 0) or None),
            successful_job_count=int(text("successful") or 0),
            failed_job_count=int(text("failed") or 0),
            total_working_time=float(text("working_time") or 0),
            mode=text("mode") or "fork",
            jobs_per_horse=int(text("jobs_per_horse") or 0) or None,
        )


def list_workers(
    connection: Redis | None = None, namespace: str | None = None, *, keys: Keys | None = None
) -> list[WorkerInfo]:
    """Live workers (records whose heartbeat has not lapsed), sorted by name; read-only."""
    connection = resolve_connection(connection)
    keys = keys or resolve_keys(namespace)
    names = sorted(n.decode() for n in connection.smembers(keys.workers))
    pipe = connection.pipeline(transaction=False)
    for name in names:
        pipe.hgetall(keys.worker(name))
    return [
        WorkerInfo.from_record(name, record)
        for name, record in zip(names, pipe.execute(), strict=True)
        if record
    ]


def find_worker(connection: Redis, keys: Keys, name: str) -> WorkerInfo:
    record = connection.hgetall(keys.worker(name))
    if not record:
        raise NoSuchWorkerError(f"no such worker {name!r}")
    return WorkerInfo.from_record(name, record)


def _send(connection: Redis, keys: Keys, worker_name: str, command: str) -> None:
    find_worker(connection, keys, worker_name)
    pipe = connection.pipeline(transaction=True)
    pipe.rpush(keys.worker_commands(worker_name), command)
    pipe.expire(keys.worker_commands(worker_name), COMMAND_TTL)
    pipe.execute()


def send_shutdown_command(
    connection: Redis | None, worker_name: str, namespace: str | None = None
) -> None:
    """Ask a worker to finish its current job and exit (warm stop)."""
    _send(resolve_connection(connection), resolve_keys(namespace), worker_name, "shutdown")


def send_kill_horse_command(
    connection: Redis | None, worker_name: str, namespace: str | None = None
) -> None:
    """Ask a worker to kill the child running its current job (the job is stopped)."""
    _send(resolve_connection(connection), resolve_keys(namespace), worker_name, "kill-horse")


def send_stop_job_command(
    connection: Redis | None, job_id: str, namespace: str | None = None
) -> None:
    """Stop a running job: its worker kills the job's process and marks it ``stopped``."""
    connection = resolve_connection(connection)
    keys = resolve_keys(namespace)
    status, worker = connection.hmget(keys.job(job_id), "status", "worker")
    if status is None:
        raise NoSuchJobError(f"no such job {job_id!r}")
    if status != b"started" or not worker:
        raise InvalidJobOperation(
            f"cannot stop job {job_id!r}: its status is {status.decode()}, not started"
        )
    _send(connection, keys, worker.decode(), f"stop-job {job_id}")
