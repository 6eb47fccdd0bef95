"""The short renderings the tables use."""

from __future__ import annotations

import pytest

from jobctl_tui.format import age, clip, compact, elapsed_against, rate, sparkline


@pytest.mark.parametrize(("value", "shown"), [
    (0, "0"), (999, "999"), (1_204, "1.2k"), (9_960, "10k"), (98_211, "98k"),
    (999_499, "999k"), (999_500, "1.0M"), (1_250_000, "1.2M"), (12_000_000_000, "12G"),
])
def test_compact_counts_fit_five_cells(value: int, shown: str) -> None:
    assert compact(value) == shown


@pytest.mark.parametrize(("seconds", "shown"), [
    (None, "-"), (-3, "0s"), (42.9, "42s"), (252, "4m12s"), (180, "3m"), (600, "10m"),
    (3_900, "1h05m"), (7_200, "2h"), (180_000, "2d02h"), (31_536_000, "365d"),
])
def test_age(seconds: float | None, shown: str) -> None:
    assert age(seconds) == shown


def test_clip_escapes_and_cuts() -> None:
    assert clip("a\x1bb", 10) == "a\\x1bb"
    assert clip("abcdefgh", 5) == "abcd…"


def test_sparkline_scales_marks_failures_and_pads() -> None:
    line = sparkline([0, 1, 4, 8], [0, 0, 1, 0], 6)
    assert line.plain == "  ▁▃▆█"  # totals 0, 1, 5, 8; zero is the dim baseline
    assert [str(s.style) for s in line.spans] == ["dim", "green", "red", "green"]
    assert rate([5, 7, 2], [1, 0, 0]) == 7  # the last complete minute


def test_elapsed_against_timeout_colours() -> None:
    assert elapsed_against(None, 180).plain == "-"
    assert (elapsed_against(60, 180).plain, str(elapsed_against(60, 180).style)) == ("1m/3m", "")
    assert str(elapsed_against(150, 180).style) == "yellow"
    assert str(elapsed_against(200, 180).style) == "bold red"
