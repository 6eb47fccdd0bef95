"""Showing job data safely: a restricted unpickler and terminal-safe, bounded text.

Tools that display jobs (CLI, dashboard) must never run code from a payload: unpickling an
arbitrary object can execute anything. Here only plain data types are rebuilt; any other class
becomes an opaque ``<module.Class>`` placeholder. Text is escaped so job data cannot move the
cursor, clear the screen, reorder text (bidi) or write the clipboard (OSC 52).
"""

from __future__ import annotations

import io
import json
import pickle
from typing import Any

_SAFE_GLOBALS = {
    ("builtins", name)
    for name in (
        "set",
        "frozenset",
        "list",
        "dict",
        "tuple",
        "complex",
        "bytearray",
        "bytes",
        "str",
        "int",
        "float",
        "bool",
        "range",
        "slice",
    )
} | {
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("uuid", "UUID"),
    ("collections", "OrderedDict"),
    ("collections", "deque"),
    ("collections", "defaultdict"),
    ("_codecs", "encode"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
}

_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


class Opaque:
    """Stands in for an instance of a class that was not rebuilt."""

    type_name = "object"

    def __new__(cls, *args: Any, **kwargs: Any) -> Opaque:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass

    def __reduce__(self) -> Any:
        raise TypeError("opaque placeholders cannot be pickled")

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def _placeholder(module: str, name: str) -> type[Opaque]:
    return type(name, (Opaque,), {"type_name": f"{module}.{name}", "__module__": module})


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        return _placeholder(module, name)


def safe_loads(data: bytes, serializer_name: str = "pickle") -> Any:
    """Decode a stored payload for display without running code from it."""
    if serializer_name == "json":
        return json.loads(data)
    if serializer_name != "pickle":
        raise ValueError(f"unknown serializer {serializer_name!r}")
    return _RestrictedUnpickler(io.BytesIO(data)).load()


def _escape_table() -> dict[int, str]:
    table = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
    table.update({ord(char): f"\\u{ord(char):04x}" for char in _BIDI})
    table.update({ord(char): text for char, text in _CONTROL_ESCAPES.items()})
    return table


_ESCAPES = _escape_table()


def escape(text: str) -> str:
    """Replace control characters and bidi overrides with visible escapes.

    ``str.translate`` keeps this fast on the megabyte-sized texts job data can hold."""
    return text.translate(_ESCAPES)


def escape_multiline(text: str) -> str:
    """Like :func:`escape` but keeps newlines (for tracebacks)."""
    return "\n".join(escape(line) for line in text.split("\n"))


def truncate(text: str, limit: int = 200) -> str:
    """Cut long text, saying how much was left out."""
    if limit <= 0 or len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit} chars)"


def clip(text: str, limit: int = 200) -> str:
    """``truncate(escape(text), limit)``, escaping only what is shown (fast on huge texts)."""
    if limit <= 0 or len(text) <= limit:
        return truncate(escape(text), limit)
    return f"{escape(text[:limit])[:limit]}… (+{len(text) - limit} chars)"


def show(value: Any, limit: int = 200) -> str:
    """One terminal-safe line for any decoded value."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return clip(text, limit)
