"""How a job's outcome and details are printed; payloads are decoded with the safe unpickler."""

from __future__ import annotations

import json
from typing import Any

from jobctl.cli.exit_codes import ExitCode
from jobctl.cli.output import Output, to_json_value
from jobctl.display import escape_multiline, safe_loads, show
from jobctl.job import Job
from jobctl.status import JobStatus


def decoded_result(job: Job) -> tuple[bool, Any]:
    """(ok, value): the result decoded without running code from it."""
    raw = job.connection.hget(job.key, "result")
    if raw is None:
        return True, None
    try:
        return True, safe_loads(raw, job.serializer.name)
    except Exception as exc:
        return False, f"<undecodable result: {type(exc).__name__}>"


def result_text(value: Any) -> str:
    """JSON when the value is plain data, else a safe repr."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return show(value, 10_000)


def print_outcome(job: Job, out: Output, json_output: bool) -> int:
    """Print what a finished job returned or why it did not; return the exit code for it."""
    status = job.get_status()
    ok, value = decoded_result(job) if status == JobStatus.FINISHED else (True, None)
    exc_info = job.exc_info if status != JobStatus.FINISHED else None
    if json_output:
        out.json(
            {
                "id": job.id,
                "status": status.value if status else None,
                "result": to_json_value(value),
                "exc_info": exc_info,
            }
        )
    elif status == JobStatus.FINISHED:
        out.line(result_text(value) if ok else str(value))
    else:
        last = (exc_info or "").strip().splitlines()
        out.error(
            f"job {job.id} {status.value if status else 'vanished'}"
            + (f": {last[-1]}" if last else "")
        )
        if out.verbose and exc_info:
            out.line(escape_multiline(exc_info))
    return int(ExitCode.OK if status == JobStatus.FINISHED else ExitCode.FAILED)


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


def _call_text(job: Job) -> str:
    decoded = _safe_field(job, "data")
    if isinstance(decoded, list | tuple) and len(decoded) == 2:
        args, kwargs = decoded
        if isinstance(args, list | tuple) and isinstance(kwargs, dict):
            parts = [show(a, 200) for a in args]
            parts += [f"{k}={show(v, 200)}" for k, v in kwargs.items()]
            return f"{job.func_name}({', '.join(parts)})"
    return f"{job.func_name}({show(decoded, 200)})"


def job_details(job: Job) -> dict[str, Any]:
    """Everything ``job show`` prints, with stable names, decoded without running code."""
    status = job.get_status(refresh=False)
    key_ttl = job.connection.ttl(job.key)
    ok, result = decoded_result(job) if status == JobStatus.FINISHED else (True, None)
    return {
        "id": job.id,
        "status": status.value if status else None,
        "func": job.func_name,
        "call": _call_text(job),
        "queue": job.origin,
        "description": _text_field(job, "description"),
        "created_at": job.created_at,
        "enqueued_at": job.enqueued_at,
        "started_at": job.started_at,
        "ended_at": job.ended_at,
        "worker": job.worker_name,
        "timeout": job.timeout,
        "result_ttl": job.result_ttl,
        "failure_ttl": job.failure_ttl,
        "ttl": job.ttl,
        "expires_in": key_ttl if key_ttl is not None and key_ttl >= 0 else None,
        "retries_left": job.retries_left,
        "dependencies": job.dependency_ids,
        "dependents": job.dependent_ids,
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
        out.line(escape_multiline(details["exc_info"]))
