"""Reading one job for the job view: one round trip, payloads decoded by the restricted
unpickler (never ``Job.args``, which would import and run code from the payload)."""

from __future__ import annotations

from typing import Any

from redis import Redis

from jobctl.display import escape, escape_multiline, safe_loads, show, truncate
from jobctl.job import Job
from jobctl.keys import Keys
from jobctl.utils import decode, utc_from_timestamp
from jobctl_tui.models import JobDetail

VALUE_CAP = 20_000
"""Longest text kept for one value, even in full view (a payload may be a megabyte)."""
TRACEBACK_CAP = 200_000


def read_job_detail(connection: Redis, keys: Keys, job_id: str) -> JobDetail | None:
    """The job's detail, or None when it does not exist (any more)."""
    pipe = connection.pipeline(transaction=False)
    pipe.hgetall(keys.job(job_id))
    pipe.smembers(keys.dependents(job_id))
    pipe.pttl(keys.job(job_id))
    fields, dependents, pttl = pipe.execute()
    if not fields:
        return None
    job = Job.from_fields(job_id, fields, connection, keys)
    due = None
    if job.field("status") == b"scheduled":
        due = connection.zscore(keys.registry("scheduled", job.origin), job_id)
    return build_detail(job, sorted(decode(d) for d in dependents), pttl, due)


def build_detail(job: Job, dependents: list[str], pttl: int, due: float | None) -> JobDetail:
    serializer = job.serializer.name
    args, kwargs, note = _call(job.field("data"), serializer)
    exc = job.field("exc_info")
    return JobDetail(
        id=job.id,
        func_name=escape(job.func_name),
        status=_text(job.field("status")) or "unknown",
        origin=escape(job.origin),
        description=_opt(job.field("description")),
        args=args,
        kwargs=kwargs,
        payload_note=note,
        timestamps=[
            ("created", job.created_at),
            ("enqueued", job.enqueued_at),
            ("scheduled for", utc_from_timestamp(due)),
            ("started", job.started_at),
            ("ended", job.ended_at),
        ],
        worker_name=_opt(job.field("worker")),
        timeout=job.timeout,
        result_ttl=job.result_ttl,
        failure_ttl=job.failure_ttl,
        ttl=job.ttl,
        expires_in=pttl / 1000 if pttl >= 0 else None,
        retries_left=job.retries_left,
        retries_max=_int(job.field("retries_max")),
        retry_intervals=job.retry_intervals,
        dependency_ids=[escape(d) for d in job.dependency_ids],
        dependent_ids=[escape(d) for d in dependents],
        result=_value(job.field("result"), serializer, "result"),
        exc_info=truncate(escape_multiline(decode(exc)), TRACEBACK_CAP) if exc else None,
        meta=_meta(job.field("meta"), serializer),
        serializer=escape(serializer),
        signed=job.field("sig") is not None,
    )


def _text(raw: bytes | None) -> str | None:
    return escape(raw.decode(errors="replace")) if raw is not None else None


def _opt(raw: bytes | None) -> str | None:
    return _text(raw) or None


def _int(raw: bytes | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _repr(value: Any) -> str:
    """A safe one-line repr (strings quoted, so '1' and 1 differ)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return show(text, VALUE_CAP)


def _call(raw: bytes | None,
          serializer: str) -> tuple[list[str], list[tuple[str, str]], str | None]:
    if raw is None:
        return [], [], None
    try:
        call = safe_loads(raw, serializer)
    except Exception as exc:
        return [], [], f"<undecodable arguments: {escape(type(exc).__name__)}>"
    if isinstance(call, list | tuple) and len(call) == 2 and isinstance(call[1], dict):
        args = call[0] if isinstance(call[0], list | tuple) else [call[0]]
        kwargs = [(show(str(k), 200), _repr(v)) for k, v in call[1].items()]
        return [_repr(a) for a in args], kwargs, None
    return [_repr(call)], [], "the payload is not an (args, kwargs) pair; shown whole"


def _value(raw: bytes | None, serializer: str, what: str) -> str | None:
    if raw is None:
        return None
    try:
        return _repr(safe_loads(raw, serializer))
    except Exception as exc:
        return f"<undecodable {what}: {escape(type(exc).__name__)}>"


def _meta(raw: bytes | None, serializer: str) -> list[tuple[str, str]]:
    if raw is None:
        return []
    try:
        meta = safe_loads(raw, serializer)
    except Exception as exc:
        return [("", f"<undecodable meta: {escape(type(exc).__name__)}>")]
    if not isinstance(meta, dict):
        return [("", _repr(meta))]
    return [(show(str(k), 200), _repr(v)) for k, v in meta.items()]
