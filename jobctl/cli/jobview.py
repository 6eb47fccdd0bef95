"""How a job's outcome and details are printed; payloads are decoded with the safe unpickler."""

from __future__ import annotations

import json
from typing import Any

from jobctl.cli.exit_codes import ExitCode
from jobctl.cli.output import Output, to_json_value
from jobctl.display import clip, escape_multiline, safe_loads, show
from jobctl.job import Job
from jobctl.status import TERMINAL, JobStatus

TRACEBACK_LIMIT = 20_000
"""Most characters of a traceback printed by ``job show`` (job data can be megabytes)."""
ERROR_LINE_LIMIT = 500
"""Most characters of the one-line error printed for a failed job."""


def clip_traceback(text: str) -> str:
    """A traceback escaped line by line and cut at TRACEBACK_LIMIT characters."""
    if len(text) <= TRACEBACK_LIMIT:
        return escape_multiline(text)
    cut = len(text) - TRACEBACK_LIMIT
    return f"{escape_multiline(text[:TRACEBACK_LIMIT])}… (+{cut} chars)"


def _status(job: Job, refresh: bool = True) -> JobStatus | None:
    """The job's status; a corrupted one reads as None instead of crashing the display."""
    try:
        return job.get_status(refresh=refresh)
    except (ValueError, UnicodeDecodeError):
        return None


def _status_text(job: Job) -> str | None:
    """The stored status as text, whatever it holds (a corrupted job shows what is there)."""
    status = _status(job, refresh=False)
    if status is not None:
        return status.value
    raw = job.field("status")
    return None if raw is None else f"<undecodable status {raw.decode(errors='replace')!r}>"


def decoded_result(job: Job) -> tuple[bool, Any]:
    """(ok, value): the result decoded without running code from it."""
    raw = job.connection.hget(job.key, "result")
    if raw is None:
        return True, None
    try:
        return True, safe_loads(raw, job.serializer.name)
    except Exception as exc:
        return False, f"<undecodable result: {type(exc).__name__}>"


def result_text(value: Any, ascii_only: bool = False) -> str:
    """JSON when the value is plain data, else a safe repr; ``ascii_only`` on a terminal."""
    try:
        return json.dumps(value, ensure_ascii=ascii_only, allow_nan=False)
    except (TypeError, ValueError):
        return show(value, 10_000)


def print_outcome(job: Job, out: Output, json_output: bool) -> int:
    """Print what a finished job returned or why it did not; return the exit code for it."""
    status = _status(job)
    ok, value = decoded_result(job) if status == JobStatus.FINISHED else (True, None)
    raw_exc = job.connection.hget(job.key, "exc_info") if status != JobStatus.FINISHED else None
    exc_info = raw_exc.decode(errors="replace") if raw_exc is not None else None
    if json_output:
        out.json(
            {
                "id": job.id,
                "status": status.value if status else _status_text(job),
                "result": to_json_value(value),
                "exc_info": exc_info,
            }
        )
    elif status == JobStatus.FINISHED:
        out.line(result_text(value, out.is_terminal) if ok else str(value))
    else:
        last = (exc_info or "").strip().splitlines()
        pending = status is not None and status not in TERMINAL  # an old error is not its own
        out.error(
            _not_finished(job, status)
            + (f": {clip(last[-1], ERROR_LINE_LIMIT)}" if last and not pending else "")
        )
        if out.verbose and exc_info:
            out.line(clip_traceback(exc_info))
    return int(ExitCode.OK if status == JobStatus.FINISHED else ExitCode.FAILED)


def _not_finished(job: Job, status: JobStatus | None) -> str:
    """Why a job has no result: it failed (or was stopped...), is still pending, is gone, or
    its status cannot be read."""
    if status is None:
        if not job.connection.exists(job.key):
            return f"job {job.id} vanished"
        raw = job.field("status")
        if raw is None:
            return f"job {job.id} has no status"
        return f"job {job.id} has an undecodable status {clip(raw.decode(errors='replace'), 80)!r}"
    if status not in TERMINAL:
        return f"job {job.id} is {status.value} (not finished yet); use --wait"
    return f"job {job.id} {status.value}"


def _safe_field(job: Job, name: str) -> Any:
    raw = job.field(name)
    if raw is None:
        return None
    try:
        return safe_loads(raw, job.serializer.name)
    except Exception as exc:
        return f"<undecodable: {type(exc).__name__}>"


def _text_field(job: Job, name: str) -> str | None:
    raw = job.field(name)
    return None if raw is None else raw.decode(errors="replace")


def _time(job: Job, name: str) -> Any:
    """A timestamp field; a corrupted one (``nan``, ``1e999``) reads as unset."""
    try:
        return getattr(job, name)
    except (ValueError, OverflowError, OSError):
        return None


def _argument(value: Any) -> str:
    """One argument as Python would write it: ``'12,50'`` is one string, not two numbers."""
    return show(repr(value) if isinstance(value, str) else value, 200)


def _call_text(job: Job) -> str:
    func = _text_field(job, "func") or ""
    decoded = _safe_field(job, "data")
    if isinstance(decoded, list | tuple) and len(decoded) == 2:
        args, kwargs = decoded
        if isinstance(args, list | tuple) and isinstance(kwargs, dict):
            parts = [_argument(a) for a in args]
            parts += [f"{show(k, 200)}={_argument(v)}" for k, v in kwargs.items()]
            return f"{func}({', '.join(parts)})"
    return f"{func}({show(decoded, 200)})"


def job_details(job: Job) -> dict[str, Any]:
    """Everything ``job show`` prints, with stable names, decoded without running code."""
    status = _status(job, refresh=False)
    key_ttl = job.connection.ttl(job.key)
    ok, result = decoded_result(job) if status == JobStatus.FINISHED else (True, None)
    deps = _text_field(job, "deps")
    return {
        "id": job.id,
        "status": _status_text(job),
        "func": _text_field(job, "func"),
        "call": _call_text(job),
        "queue": _text_field(job, "origin"),
        "description": _text_field(job, "description"),
        "created_at": _time(job, "created_at"),
        "enqueued_at": _time(job, "enqueued_at"),
        "started_at": _time(job, "started_at"),
        "ended_at": _time(job, "ended_at"),
        "worker": _text_field(job, "worker"),
        "timeout": job.timeout,
        "result_ttl": job.result_ttl,
        "failure_ttl": job.failure_ttl,
        "ttl": job.ttl,
        "expires_in": key_ttl if key_ttl is not None and key_ttl >= 0 else None,
        "retries_left": job.retries_left,
        "dependencies": deps.split(",") if deps else [],
        "dependents": sorted(
            m.decode(errors="replace")
            for m in job.connection.smembers(job.keys.dependents(job.id))
        ),
        "meta": to_json_value(_safe_field(job, "meta")),
        "result": to_json_value(result) if ok else result,
        "exc_info": _text_field(job, "exc_info"),
    }


def print_details(details: dict[str, Any], out: Output) -> None:
    """Fields as ``name: value`` lines, then the traceback (escaped) if there is one."""
    pairs = [(k, v) for k, v in details.items() if k != "exc_info" and v not in (None, [], "")]
    out.fields(pairs)
    if details.get("exc_info"):
        out.line()
        out.line(clip_traceback(details["exc_info"]))
