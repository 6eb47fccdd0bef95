"""Fixed data for layout tests and snapshots: a fake data source and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

from jobctl.listing import JobPage, JobSummary
from jobctl.stats import QueueStats, RunningJob, Snapshot
from jobctl.workers import WorkerInfo
from jobctl_tui.models import JobDetail, PageRequest

NOW = 1_741_953_600.0  # 2025-03-14 12:00:00 UTC
TRACEBACK = """Traceback (most recent call last):
  File "/srv/app/jobctl/execution.py", line 118, in perform
    return func(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^
  File "/srv/app/mail/tasks.py", line 42, in send_welcome
    smtp.send(message)
  File "/srv/app/mail/smtp.py", line 17, in send
    raise ConnectionRefusedError(f"smtp.example.com:25 refused the connection")
ConnectionRefusedError: smtp.example.com:25 refused the connection"""


def at(seconds_ago: float) -> datetime:
    return datetime.fromtimestamp(NOW - seconds_ago, UTC)


def fixed_now() -> float:
    return NOW


def _queue(name: str, **counts: int | bool) -> QueueStats:
    done = [(i * 7) % 13 for i in range(30)]
    failed = [1 if i % 9 == 4 else 0 for i in range(30)] if counts.get("failed") else [0] * 30
    base = {"paused": False, "queued": 0, "started": 0, "deferred": 0, "scheduled": 0,
            "failed": 0, "finished": 0, "canceled": 0}
    base.update(counts)
    queued = int(base["queued"])
    return QueueStats(
        name=name, oldest_enqueued_at=at(372) if queued else None,
        finished_per_minute=done, failed_per_minute=failed, **base,  # type: ignore[arg-type]
    )


def snapshot() -> Snapshot:
    workers = [
        WorkerInfo(name="worker-a1", hostname="app-1", pid=4242, queue_names=["emails", "default"],
                   state="busy", current_job_id="5f2c9e7d1a3b4c6d8e9f0a1b2c3d4e5f",
                   birth_date=at(7200), last_heartbeat=at(3), successful_job_count=1532,
                   failed_job_count=27, total_working_time=3600.0, mode="fork"),
        WorkerInfo(name="worker-b7", hostname="app-2", pid=977, queue_names=["reports"],
                   state="idle", current_job_id=None, birth_date=at(600),
                   last_heartbeat=at(45), successful_job_count=12, failed_job_count=0,
                   total_working_time=20.0, mode="fork"),
    ]
    running = {"worker-a1": RunningJob(id="5f2c9e7d1a3b4c6d8e9f0a1b2c3d4e5f",
                                       func_name="mail.tasks.send_digest",
                                       started_at=at(150), timeout=180)}
    return Snapshot(
        namespace="jobctl", taken_at=at(0), duration=0.0031, suspended=False,
        queues=[
            _queue("default", queued=3, started=0, finished=1204),
            _queue("emails", paused=True, queued=1520, started=1, failed=1204, finished=98211,
                   scheduled=4),
            _queue("reports", deferred=2, finished=17),
        ],
        workers=workers, running=running,
    )


def failed_jobs(count: int = 6) -> list[JobSummary]:
    errors = ["ConnectionRefusedError: smtp.example.com:25 refused the connection",
              "TimeoutError: SMTP handshake took more than 30s",
              "ValueError: invalid address 'bob@'"]
    return [
        JobSummary(
            id=f"{i:02d}e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4", func_name="mail.tasks.send_welcome",
            status="stopped" if i == 2 else "failed", origin="emails", created_at=at(900 + i),
            enqueued_at=at(800 + i), started_at=at(700 + i), ended_at=at(60 * i + 5),
            worker_name="worker-a1", exc_info=f"Traceback ...\n{errors[i % 3]}",
            description=None, timeout=180)
        for i in range(count)
    ]


def detail(job_id: str) -> JobDetail:
    return JobDetail(
        id=job_id, func_name="mail.tasks.send_welcome", status="failed", origin="emails",
        description="mail.tasks.send_welcome(1042, 'bob@example.com', template='welcome')",
        args=["1042", "'bob@example.com'"], kwargs=[("template", "'welcome'"),
                                                     ("payload", "<app.models.User>")],
        payload_note=None,
        timestamps=[("created", at(900)), ("enqueued", at(899)), ("scheduled for", None),
                    ("started", at(700)), ("ended", at(65))],
        worker_name="worker-a1", timeout=180, result_ttl=500, failure_ttl=31_536_000,
        ttl=None, expires_in=31_535_935.0, retries_left=0, retries_max=3,
        retry_intervals=[10, 60, 300], dependency_ids=[], dependent_ids=["d1e2f3"],
        result=None, exc_info=TRACEBACK, meta=[("attempt", "3"), ("note", "'\\x1b[31m'")],
        serializer="pickle", signed=True,
    )


class FakeSource:
    """Fixed data; actions are recorded, not performed."""

    url = "redis://:***@redis.internal:6379/0"
    namespace = "jobctl"

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.fail_polls = False

    def snapshot(self) -> Snapshot:
        if self.fail_polls:
            raise ConnectionError("Error 111 connecting to redis.internal:6379. Refused.")
        return snapshot()

    def list_jobs(self, request: PageRequest) -> JobPage:
        jobs = failed_jobs() if request.location == "failed" else []
        if request.text:
            jobs = [j for j in jobs if request.text.lower() in (j.exc_info or "").lower()]
        return JobPage(jobs=jobs[request.offset:request.offset + request.limit],
                       total=1204 if request.location == "failed" else 0, exhausted=True)

    def job_detail(self, job_id: str) -> JobDetail | None:
        return detail(job_id)

    def _record(self, name: str, *args: object) -> None:
        self.calls.append((name, args))

    def location_size(self, queue: str, location: str) -> int:
        return 1204

    def matching_ids(self, queue: str, location: str, text: str) -> list[str]:
        return [j.id for j in failed_jobs()]

    def requeue(self, job_ids: list[str]) -> tuple[int, list[str]]:
        self._record("requeue", job_ids)
        return len(job_ids), []

    def delete(self, job_ids: list[str]) -> int:
        self._record("delete", job_ids)
        return len(job_ids)

    def cancel(self, job_id: str) -> None:
        self._record("cancel", job_id)

    def stop_job(self, job_id: str) -> None:
        self._record("stop_job", job_id)

    def empty_queue(self, queue: str) -> int:
        self._record("empty_queue", queue)
        return 0

    def set_paused(self, queue: str, paused: bool) -> None:
        self._record("set_paused", queue, paused)

    def stop_worker(self, worker_name: str) -> None:
        self._record("stop_worker", worker_name)
