"""The typed argument grammar of ``jobctl enqueue``.

``--arg V`` is a string, ``--arg :JSON`` a JSON value, ``--arg @FILE`` a file's text (``@-`` is
standard input); ``--kwarg K=V``, ``K:=JSON`` and ``K=@FILE`` likewise. JSON is strict (no NaN
or Infinity) and nothing is ever evaluated as Python.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ArgumentError(ValueError):
    """A --arg/--kwarg that cannot be understood; the message names it."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json(text: str, label: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ArgumentError(
            f"{label}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise ArgumentError(f"{label}: invalid JSON: {exc}") from None


def _file_text(path: str, label: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise ArgumentError(f"{label}: cannot read file {path!r}: {exc.strerror}") from None


def parse_arg(raw: str, position: int) -> Any:
    label = f"--arg #{position}"
    if raw.startswith(":"):
        return _json(raw[1:], label)
    if raw.startswith("@"):
        return _file_text(raw[1:], label)
    return raw


def parse_kwarg(raw: str) -> tuple[str, Any]:
    if ":=" in raw and ("=" not in raw or raw.index(":=") < raw.index("=")):
        key, text = raw.split(":=", 1)
        label = f"--kwarg {key}"
        _check_key(key, raw)
        return key, _json(text, label)
    if "=" not in raw:
        raise ArgumentError(f"--kwarg {raw!r}: expected KEY=VALUE, KEY:=JSON or KEY=@FILE")
    key, value = raw.split("=", 1)
    _check_key(key, raw)
    if value.startswith("@"):
        return key, _file_text(value[1:], f"--kwarg {key}")
    return key, value


def _check_key(key: str, raw: str) -> None:
    if not _KEY.fullmatch(key):
        raise ArgumentError(f"--kwarg {raw!r}: the key must be a Python identifier")


def parse_call_arguments(args: list[str], kwargs: list[str]) -> tuple[list[Any], dict[str, Any]]:
    """Parse every --arg and --kwarg; duplicate keys are an error, not a silent overwrite."""
    positional = [parse_arg(raw, i + 1) for i, raw in enumerate(args)]
    keyword: dict[str, Any] = {}
    for raw in kwargs:
        key, value = parse_kwarg(raw)
        if key in keyword:
            raise ArgumentError(f"--kwarg {key}: given more than once")
        keyword[key] = value
    return positional, keyword


def parse_meta(items: list[str]) -> dict[str, Any]:
    """``--meta K=V`` / ``K:=JSON`` pairs."""
    meta: dict[str, Any] = {}
    for raw in items:
        key, value = parse_kwarg(raw)
        meta[key] = value
    return meta
