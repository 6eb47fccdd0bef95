"""Job callbacks: what runs after a job succeeds, fails or is stopped, and under what limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobctl import defaults
from jobctl.timeouts import time_limit
from jobctl.utils import callable_path, parse_duration, resolve_callable, validate_callable_path


class Callback:
    """A function to call on a job outcome, with its own timeout (same formats as job_timeout).

    Stored by dotted path, so the worker imports it like the job function itself.
    """

    def __init__(self, func: Callable[..., Any] | str, timeout: int | str | None = None) -> None:
        self.func_name = (
            validate_callable_path(func) if isinstance(func, str) else callable_path(func)
        )
        self.timeout: int = parse_duration(timeout, what="callback timeout") or (
            defaults.CALLBACK_TIMEOUT
        )

    @classmethod
    def wrap(cls, value: Callback | Callable[..., Any] | str | None) -> Callback | None:
        """Accept a Callback, a plain function or a dotted path (RQ accepts plain functions)."""
        if value is None or isinstance(value, Callback):
            return value
        return cls(value)

    def encode(self) -> str:
        """The form stored in the job hash: ``path|timeout``."""
        return f"{self.func_name}|{self.timeout}"

    @classmethod
    def decode(cls, text: str) -> Callback:
        path, _, timeout = text.rpartition("|")
        return cls(path, int(timeout))

    def __call__(self, *args: Any) -> Any:
        """Import and run the callback, raising JobTimeoutException past its timeout."""
        func = resolve_callable(self.func_name)
        with time_limit(self.timeout, f"callback {self.func_name}"):
            return func(*args)

    def __repr__(self) -> str:
        return f"Callback({self.func_name!r}, timeout={self.timeout})"
