"""Retry policy: how many times a failed job runs again, and after what pause."""

from __future__ import annotations

from collections.abc import Sequence


class Retry:
    """``Retry(max=3, interval=10)`` or ``interval=[10, 30, 60]`` (one pause per attempt)."""

    def __init__(self, max: int, interval: int | Sequence[int] = 0) -> None:
        if not isinstance(max, int) or isinstance(max, bool) or max < 1:
            raise ValueError(f"Retry max must be a positive integer, got {max!r}")
        intervals = [interval] if isinstance(interval, int) else list(interval)
        if not intervals or any(not isinstance(i, int) or i < 0 for i in intervals):
            raise ValueError("Retry interval must be a non-negative int or a list of them")
        self.max = max
        self.intervals = intervals

    def encode(self) -> dict[str, str]:
        """Fields stored on the job."""
        return {
            "retries_left": str(self.max),
            "retries_max": str(self.max),
            "retry_intervals": ",".join(str(i) for i in self.intervals),
        }

    @staticmethod
    def delay_for(retries_left: int, max_retries: int, intervals: list[int]) -> int:
        """Pause before the next attempt: attempt k uses interval k (the last one repeats)."""
        attempt = max_retries - retries_left
        return intervals[min(attempt, len(intervals) - 1)] if intervals else 0

    def __repr__(self) -> str:
        return f"Retry(max={self.max}, interval={self.intervals})"
