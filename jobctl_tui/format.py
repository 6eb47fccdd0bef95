"""Short, terminal-safe renderings of numbers, ages, times and trends for table cells."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

from jobctl.display import escape

_BARS = "▁▂▃▄▅▆▇█"


def count(value: int) -> str:
    """``1,204``."""
    return f"{value:,}"


def compact(value: int) -> str:
    """At most 5 characters: ``980``, ``1.2k``, ``12k``, ``1.3M``."""
    if value < 1000:
        return str(value)
    for unit, size in (("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000)):
        scaled = value / size
        if scaled < 9.95:
            return f"{scaled:.1f}{unit}"
        if scaled < 999.5:
            return f"{scaled:.0f}{unit}"
    return f"{value / 1_000_000_000_000:.0f}T"


def age(seconds: float | None) -> str:
    """``42s``, ``4m12s``, ``3m``, ``3h05m``, ``2d04h``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s" if minutes < 10 and secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h" if hours else f"{days}d"


def duration(seconds: float) -> str:
    """A poll duration: ``3 ms``, ``1.2 s``."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def interval(seconds: float) -> str:
    return f"{seconds:g}s"


def local(moment: datetime, tz: tzinfo | None) -> datetime:
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def clock(moment: datetime | None, tz: tzinfo | None) -> str:
    return local(moment, tz).strftime("%H:%M:%S") if moment else "--:--:--"


def timestamp(moment: datetime | None, tz: tzinfo | None) -> str:
    if moment is None:
        return "-"
    shown = local(moment, tz)
    return shown.strftime("%Y-%m-%d %H:%M:%S.") + f"{shown.microsecond // 1000:03d} {shown:%Z}"


def since(moment: datetime | None, now: float) -> float | None:
    return None if moment is None else now - moment.timestamp()


def clip(text: str, width: int) -> str:
    """Escaped and cut to ``width`` cells with an ellipsis."""
    text = escape(text)
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def sparkline(done: list[int], failed: list[int], width: int) -> Text:
    """The last ``width`` minutes of finished + failed jobs; minutes with failures in red."""
    totals = [d + f for d, f in zip(done, failed, strict=False)][-width:]
    failures = failed[-width:]
    peak = max(totals, default=0)
    line = Text(" " * max(0, width - len(totals)))
    for total, fail in zip(totals, failures, strict=False):
        if total == 0:
            line.append(_BARS[0], style="dim")
            continue
        level = 1 + round((len(_BARS) - 2) * total / peak) if peak else 0
        line.append(_BARS[min(level, len(_BARS) - 1)], style="red" if fail else "green")
    return line


def rate(done: list[int], failed: list[int]) -> int:
    """Jobs that ended in the last complete minute (the current one is still filling)."""
    if len(done) < 2:
        return sum(done) + sum(failed)
    return done[-2] + (failed[-2] if len(failed) >= 2 else 0)


def elapsed_against(elapsed: float | None, timeout: int | None) -> Text:
    """``12s/3m``, yellow past three quarters of the timeout, red past it."""
    if elapsed is None:
        return Text("-")
    text = age(elapsed) + (f"/{age(timeout)}" if timeout else "")
    style = ""
    if timeout:
        style = "bold red" if elapsed > timeout else "yellow" if elapsed > 0.75 * timeout else ""
    return Text(text, style=style)
