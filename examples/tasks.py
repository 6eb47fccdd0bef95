"""Example jobs for the README's demo: import them by dotted path, e.g. ``tasks.add``."""

from __future__ import annotations

import time


def add(x: float, y: float) -> float:
    """Return the sum: the smallest useful job."""
    return x + y


def count_words(text: str) -> int:
    """Count the words of a text (the seed's example counts a web page's words)."""
    return len(text.split())


def slow_square(x: int, seconds: float = 0.5) -> int:
    """Take a while, so a dashboard or ``jobctl info`` has something running to show."""
    time.sleep(seconds)
    return x * x


def flaky(x: int) -> int:
    """Fail on odd input, to show failed jobs and requeueing."""
    if x % 2:
        raise ValueError(f"odd input: {x}")
    return x


def parse_price(text: str) -> float:
    """Parse a price such as "12.50"; the README's tour fixes it to accept "12,50" too."""
    # text = text.replace(",", ".")  # FIX: uncomment to accept a decimal comma
    return float(text)
