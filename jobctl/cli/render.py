"""Rows and documents for jobs, queues and workers: one place decides the field names that
``--json`` promises to keep stable and the columns of tables."""

from __future__ import annotations

from typing import Any

from jobctl.listing import JobSummary
from jobctl.stats import QueueStats, RunningJob
from jobctl.workers import WorkerInfo

JOB_COLUMNS = ("id", "func", "status", "queue", "enqueued", "ended", "worker", "error")
QUEUE_COLUMNS = ("queue", "paused", "queued", "started", "deferred", "scheduled", "failed",
                 "finished", "canceled", "oldest_age_s")
WORKER_COLUMNS = ("name", "host", "pid", "state", "queues", "current_job", "heartbeat",
                  "ok", "failed")


def job_document(job: JobSummary) -> dict[str, Any]:
    return {
        "id": job.id, "func": job.func_name, "status": job.status, "queue": job.origin,
        "description": job.description, "created_at": job.created_at,
        "enqueued_at": job.enqueued_at, "started_at": job.started_at, "ended_at": job.ended_at,
        "worker": job.worker_name, "timeout": job.timeout, "error": job.exc_summary,
    }


def job_row(job: JobSummary) -> list[Any]:
    return [job.id, job.func_name, job.status, job.origin, job.enqueued_at, job.ended_at,
            job.worker_name, job.exc_summary]


def queue_document(queue: QueueStats) -> dict[str, Any]:
    return {
        "name": queue.name, "paused": queue.paused, "queued": queue.queued,
        "started": queue.started, "deferred": queue.deferred, "scheduled": queue.scheduled,
        "failed": queue.failed, "finished": queue.finished, "canceled": queue.canceled,
        "oldest_enqueued_at": queue.oldest_enqueued_at,
        "oldest_age_seconds": _round(queue.oldest_age()),
        "finished_last_minute": queue.finished_per_minute[-1] if queue.finished_per_minute else 0,
    }


def queue_row(queue: QueueStats) -> list[Any]:
    return [queue.name, "yes" if queue.paused else "no", queue.queued, queue.started,
            queue.deferred, queue.scheduled, queue.failed, queue.finished, queue.canceled,
            _round(queue.oldest_age())]


def worker_document(worker: WorkerInfo, running: RunningJob | None = None) -> dict[str, Any]:
    return {
        "name": worker.name, "host": worker.hostname, "pid": worker.pid, "state": worker.state,
        "queues": worker.queue_names, "current_job": worker.current_job_id,
        "current_func": running.func_name if running else None,
        "current_started_at": running.started_at if running else None,
        "birth": worker.birth_date, "last_heartbeat": worker.last_heartbeat,
        "successful": worker.successful_job_count, "failed": worker.failed_job_count,
        "working_seconds": round(worker.total_working_time, 3), "mode": worker.mode,
        "jobs_per_horse": worker.jobs_per_horse,
    }


def worker_row(worker: WorkerInfo) -> list[Any]:
    return [worker.name, worker.hostname, worker.pid, worker.state, worker.queue_names,
            worker.current_job_id, worker.last_heartbeat, worker.successful_job_count,
            worker.failed_job_count]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
