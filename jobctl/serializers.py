"""Serializers for job arguments, results and meta, plus optional HMAC signing of payloads.

Pickle is the default (the seed's protocol); JSON is there for cross-language producers and for
deployments that refuse to unpickle. The serializer's name is stored on each job, so a worker
decodes every job the way it was written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
from typing import Any, Protocol, runtime_checkable

from jobctl.exceptions import DeserializationError, SerializationError

SECRET_KEY_ENV = "JOBCTL_SECRET_KEY"


@runtime_checkable
class Serializer(Protocol):
    """What jobctl needs of a serializer: RQ's ``dumps``/``loads`` pair and a stable name."""

    name: str

    def dumps(self, obj: Any) -> bytes: ...

    def loads(self, data: bytes) -> Any: ...


class PickleSerializer:
    """Python-only, handles any picklable object (the seed's default)."""

    name = "pickle"

    def dumps(self, obj: Any) -> bytes:
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)

    def loads(self, data: bytes) -> Any:
        return pickle.loads(data)


class JSONSerializer:
    """Strict JSON (no NaN/Infinity); tuples come back as lists."""

    name = "json"

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()

    def loads(self, data: bytes) -> Any:
        return json.loads(data)


_BUILTIN: dict[str, Serializer] = {"pickle": PickleSerializer(), "json": JSONSerializer()}
DEFAULT_SERIALIZER: Serializer = _BUILTIN["pickle"]


def resolve_serializer(spec: str | Serializer | type | None) -> Serializer:
    """Accept a name (``"json"``), a serializer object or class, or None for pickle."""
    if spec is None:
        return DEFAULT_SERIALIZER
    if isinstance(spec, str):
        try:
            return _BUILTIN[spec]
        except KeyError:
            raise SerializationError(
                f"unknown serializer {spec!r}; choose one of: {', '.join(_BUILTIN)}"
            ) from None
    if isinstance(spec, type):
        spec = spec()
    if not (hasattr(spec, "dumps") and hasattr(spec, "loads")):
        raise SerializationError(f"{spec!r} is not a serializer: it needs dumps() and loads()")
    if not hasattr(spec, "name"):
        spec.name = f"{type(spec).__module__}.{type(spec).__qualname__}"  # type: ignore[union-attr]
    return spec  # type: ignore[return-value]


class UnknownSerializer:
    """Stands in for a serializer this process does not know: the job still loads (so a worker
    can fail it and tools can show it), only decoding its payload fails."""

    def __init__(self, name: str) -> None:
        self.name = name

    def dumps(self, obj: Any) -> bytes:
        raise DeserializationError(f"cannot encode with unknown serializer {self.name!r}")

    def loads(self, data: bytes) -> Any:
        raise DeserializationError(f"cannot decode payload: unknown serializer {self.name!r}")


def serializer_by_name(name: str, preferred: Serializer | None = None) -> Serializer:
    """Find the serializer a job was written with; unknown names cannot be decoded."""
    if preferred is not None and preferred.name == name:
        return preferred
    return _BUILTIN.get(name) or UnknownSerializer(name)


def dumps_arguments(serializer: Serializer, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    """Serialize a call's arguments; on failure name the argument that could not be encoded."""
    try:
        call = [list(args), kwargs] if serializer.name == "json" else (args, kwargs)
        return serializer.dumps(call)
    except Exception as exc:
        culprit = _find_unserializable(serializer, args, kwargs)
        raise SerializationError(
            f"cannot serialize {culprit} with {serializer.name}: {type(exc).__name__}: {exc}"
        ) from exc


def _find_unserializable(
    serializer: Serializer, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str:
    labelled = [(f"argument #{i + 1}", v) for i, v in enumerate(args)]
    labelled += [(f"keyword argument {k!r}", v) for k, v in kwargs.items()]
    for label, value in labelled:
        try:
            serializer.dumps(value)
        except Exception:
            return f"{label} ({type(value).__name__})"
    return "the arguments"


def loads_arguments(serializer: Serializer, data: bytes) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Inverse of :func:`dumps_arguments`."""
    args, kwargs = serializer.loads(data)
    return tuple(args), dict(kwargs)


def secret_key() -> bytes | None:
    """The signing key from the environment, or None when payloads are not signed."""
    value = os.environ.get(SECRET_KEY_ENV)
    return value.encode() if value else None


def sign(key: bytes, parts: list[bytes]) -> str:
    """HMAC-SHA256 over the parts that decide what a worker runs."""
    return hmac.new(key, b"\0".join(parts), hashlib.sha256).hexdigest()


def verify(key: bytes, parts: list[bytes], signature: bytes | str | None) -> None:
    """Raise before anything is unpickled when the signature is missing or wrong."""
    if not signature:
        raise DeserializationError("signature mismatch: the job is not signed")
    given = signature.decode() if isinstance(signature, bytes) else signature
    if not hmac.compare_digest(sign(key, parts), given):
        raise DeserializationError("signature mismatch: the job was not signed with this key")
