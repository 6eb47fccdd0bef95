"""Small pure helpers: dotted-path import, durations, time and names."""

from __future__ import annotations

import importlib
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from jobctl.exceptions import (
    InvalidCallableError,
    InvalidDurationError,
    InvalidJobIdError,
    InvalidQueueNameError,
)

_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_QUEUE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_CALLABLE_PATH = re.compile(rf"{_IDENTIFIER}(\.{_IDENTIFIER})*(:{_IDENTIFIER}(\.{_IDENTIFIER})*)?")
_DURATION = re.compile(r"(\d+)\s*([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

DURATION_FORMS = "seconds as a number (30), or with a unit: 30s, 5m, 2h, 1d"


def now() -> float:
    """Seconds since the epoch; one place to read the clock."""
    return time.time()


def stamp() -> str:
    """Now as stored in job hashes: epoch seconds to the millisecond (shorter than repr)."""
    return f"{time.time():.3f}"


def utc_from_timestamp(value: float | None) -> datetime | None:
    """A timezone-aware UTC datetime, or None."""
    return None if value is None else datetime.fromtimestamp(value, UTC)


def validate_job_id(job_id: str) -> str:
    """Job ids end up inside Redis keys, so only a safe alphabet is allowed."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise InvalidJobIdError(f"job id must match [A-Za-z0-9_-]{{1,128}}, got {job_id!r:.60}")
    return job_id


def validate_queue_name(name: str) -> str:
    """Queue names end up inside Redis keys, so only a safe alphabet is allowed."""
    if not isinstance(name, str) or not _QUEUE_NAME.fullmatch(name):
        raise InvalidQueueNameError(
            f"queue name must match [A-Za-z0-9_.-]{{1,128}}, got {name!r:.60}"
        )
    return name


def parse_duration(
    value: int | float | str | timedelta | None,
    *,
    what: str = "timeout",
    allow_none: bool = True,
    allow_infinite: bool = False,
    allow_zero: bool = False,
) -> int | None:
    """Turn ``5``, ``"5"``, ``"30s"``, ``"3m"``, ``"1h"`` or a timedelta into whole seconds.

    ``-1`` means "no limit" where ``allow_infinite`` is set (TTLs); zero is only meaningful for
    TTLs ("delete at once"), never for a timeout.
    """
    if value is None:
        if allow_none:
            return None
        raise InvalidDurationError(f"{what} is required: {DURATION_FORMS}")
    forms = DURATION_FORMS + ("; -1 for no limit" if allow_infinite else "")
    seconds = _to_seconds(value, what, forms)
    if seconds == -1 and allow_infinite:
        return -1
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise InvalidDurationError(f"invalid {what} {value!r}: must be positive; {forms}")
    return seconds


def _to_seconds(value: int | float | str | timedelta, what: str, forms: str) -> int:
    if isinstance(value, bool):
        raise InvalidDurationError(f"invalid {what} {value!r}: {forms}")
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text.startswith("-") and text[1:].isdigit():
            return -int(text[1:])
        match = _DURATION.fullmatch(text)
        if match:
            return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    raise InvalidDurationError(f"invalid {what} {value!r}: {forms}")


def validate_callable_path(path: str) -> str:
    """Check the syntax of ``module.function`` (or ``module:obj.attr``) without importing."""
    if (
        not isinstance(path, str)
        or not _CALLABLE_PATH.fullmatch(path)
        or (":" not in path and "." not in path)
    ):
        raise InvalidCallableError(f"invalid callable path {path!r:.80}: expected module.function")
    return path


def import_attribute(path: str) -> Any:
    """Import ``pkg.mod.func``, ``pkg.mod.Class.method`` or ``pkg.mod:obj.attr``.

    Without a colon the longest importable module prefix wins, so class attributes work too.
    """
    validate_callable_path(path)
    if ":" in path:
        module_name, attr_path = path.split(":", 1)
        module = _import_module(module_name)
        return _walk_attributes(module, module_name, attr_path.split("."))
    parts = path.split(".")
    error: ImportError | None = None
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and not module_name.startswith(exc.name):
                raise InvalidCallableError(f"cannot import module {module_name!r}: {exc}") from exc
            error = error or exc
            continue
        except Exception as exc:  # the module itself raised while importing
            raise InvalidCallableError(
                f"cannot import module {module_name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        return _walk_attributes(module, module_name, parts[cut:])
    module_name = ".".join(parts[:-1])
    raise InvalidCallableError(f"cannot import module {module_name!r}: {error}")


def _import_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise InvalidCallableError(
            f"cannot import module {name!r}: {type(exc).__name__}: {exc}"
        ) from exc


def _walk_attributes(obj: Any, owner: str, names: list[str]) -> Any:
    for name in names:
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise InvalidCallableError(f"{owner!r} has no attribute {name!r}") from None
        owner = f"{owner}.{name}"
    return obj


def resolve_callable(path: str) -> Callable[..., Any]:
    """Import a dotted path and check that it is callable."""
    obj = import_attribute(path)
    if not callable(obj):
        raise InvalidCallableError(f"{path!r} is not callable")
    return obj  # type: ignore[no-any-return]


def callable_path(func: Callable[..., Any]) -> str:
    """The dotted path a worker imports to find ``func``; refuses what it could not import."""
    if not callable(func):
        raise InvalidCallableError(f"{func!r:.80} is not callable")
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    owner = getattr(func, "__self__", None)
    if owner is not None and not isinstance(owner, type) and not _is_module(owner):
        raise InvalidCallableError(
            f"cannot enqueue bound method {qualname!r} of an instance: "
            "workers cannot import an instance; enqueue a module-level function"
        )
    if module is None or qualname is None:
        raise InvalidCallableError(f"cannot enqueue {func!r}: it has no importable name")
    if module == "__main__":
        raise InvalidCallableError(
            f"cannot enqueue {qualname!r} from __main__: workers import jobs by module path; "
            "move the function into an importable module"
        )
    if "<lambda>" in qualname:
        raise InvalidCallableError(
            "cannot enqueue a lambda: workers import jobs by name; use a module-level function"
        )
    if "<locals>" in qualname:
        raise InvalidCallableError(
            f"cannot enqueue nested function {qualname!r}: workers cannot import it; "
            "move it to module level"
        )
    if module == "builtins":
        return f"builtins.{qualname}"
    return f"{module}.{qualname}"


def _is_module(obj: object) -> bool:
    return type(obj).__name__ == "module"


def format_bytes(size: int) -> str:
    """Sizes for messages: ``512 B``, ``1 MiB`` (exact), ``12.3 MiB`` (to a tenth)."""
    if size < 1024:
        return f"{size} B"
    units = ("KiB", "MiB", "GiB", "TiB")
    power = 1
    while power < len(units) and round(size / 1024**power, 1) >= 1024:
        power += 1
    scale = 1024**power
    if size % scale == 0:
        return f"{size // scale} {units[power - 1]}"
    return f"{size / scale:.1f} {units[power - 1]}"


def decode(value: Any) -> str:
    """Text of a Redis reply item (bytes with decode_responses off, str with it on)."""
    return value.decode() if isinstance(value, bytes) else str(value)


_ID_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_LENGTH = 22
_ID_DIGITS = bytes(_ID_ALPHABET[b % 62] if b < 248 else 0 for b in range(256))
_ID_REJECTED = bytes(range(248, 256))
"""Random bytes map to base-62 digits by ``bytes.translate``: the 248 values below 4 * 62 map
uniformly, the 8 above are dropped (rejection sampling, so every digit stays unbiased)."""


def new_job_id() -> str:
    """22 characters carrying 131 random bits (base 62): a third shorter than a uuid's hex,
    which Redis stores several times per job; no '-', so an id never looks like an option.

    Ids are made 64 at a time (one read of the random source); a forked child drops the
    ones its parent made in advance, so the two never hand out the same id.
    """
    while True:
        try:
            return _id_supply.pop()
        except IndexError:  # empty (or emptied by another thread meanwhile)
            _id_supply.extend(new_job_ids(64))


_id_supply: list[str] = []
os.register_at_fork(after_in_child=_id_supply.clear)


def new_job_ids(count: int) -> list[str]:
    """``count`` fresh ids from one read of the system's random source (enqueue_many makes
    thousands: a read and a digit loop per id cost more than the rest of preparing a job)."""
    digits = b""
    while len(digits) < _ID_LENGTH * count:
        # 32 bytes per id keep about 31 digits: a second read is rarely needed.
        digits += os.urandom(32 * count).translate(_ID_DIGITS, _ID_REJECTED)
    text = digits.decode()
    return [text[i:i + _ID_LENGTH] for i in range(0, _ID_LENGTH * count, _ID_LENGTH)]
