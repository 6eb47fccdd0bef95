"""Reading a job hash's stored fields: text, numbers, and which ones are corrupted.

Kept apart from ``Job`` so the readers stay small and the rules for a damaged field (read
as unset, reported by ``Job.check_fields``) live in one place.
"""

from __future__ import annotations

from jobctl.exceptions import DeserializationError


def as_text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def as_number(value: bytes | str | None) -> float | None:
    """A stored number; a corrupted one reads as unset (``Job.check_fields`` reports it)."""
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def as_int(value: bytes | str | None) -> int | None:
    """A stored integer; a corrupted one reads as unset (``Job.check_fields`` reports it)."""
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


INT_FIELDS = ("timeout", "result_ttl", "failure_ttl", "ttl", "retries_left", "retries_max")


def corrupted(name: str, value: object) -> DeserializationError:
    return DeserializationError(
        f"cannot decode payload: field {name!r} is corrupted: {value!r:.80}"
    )


def enqueued_at_field(fields: dict[str, bytes]) -> bytes | None:
    """The stored enqueue time; a job queued when it was created stores only created_at."""
    value = fields.get("enqueued_at")
    if value is None and fields.get("status") not in (b"deferred", b"scheduled", None):
        value = fields.get("created_at")
    return value
