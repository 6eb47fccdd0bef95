"""Where the Redis URL comes from, how it is validated, and how connections fail: clearly."""

from __future__ import annotations

import inspect
import os
import re
import socket
import sys
import threading
import tomllib
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import redis
from redis.backoff import EqualJitterBackoff
from redis.retry import Retry

from jobctl import defaults
from jobctl.embedded import ensure_embedded_server, send_command
from jobctl.exceptions import (
    AuthenticationFailedError,
    ConnectionUnavailableError,
    InvalidURLError,
    JobctlError,
)

DEFAULT_URL = "redis://localhost:6379/0"
DEFAULT_NAMESPACE = defaults.NAMESPACE
SCHEMES = ("redis", "rediss", "unix")
CONNECT_TIMEOUT = 2.0
CLIENT_SOCKET_TIMEOUT = 5.0
WORKER_SOCKET_TIMEOUT = 30.0
# The first PING must fail fast (every failure reported within 5 s) even when a server
# accepts the connection and then never answers.
PROBE_TIMEOUT = 3.0
DEFAULT_PROBE_TIMEOUT = 0.3

Purpose = Literal["client", "worker"]

_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_NAMESPACE_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_PASSWORD_PARAM = re.compile(r"(?i)([?&;]password=)[^&#]*")
_DIGITS = re.compile(r"[0-9]+")
_DISABLED = {"0", "false", "no", "off"}
# Server states the CLI reports as "unavailable" (exit 3), like a refused connection.
_SERVER_STATES: tuple[tuple[type[Exception], str], ...] = (
    (redis.exceptions.BusyLoadingError, "is loading its data; retry shortly"),
    (redis.exceptions.OutOfMemoryError, "is out of memory"),
    (redis.exceptions.ReadOnlyError, "is a read-only replica; use the primary"),
)

# redis-py >= 7 deprecates lib_name/lib_version in favour of driver_info; both mean "no
# CLIENT SETINFO on connect", which saves a round trip and an error on old servers.
_NO_SETINFO: dict[str, Any] = (
    {"driver_info": None}
    if "driver_info" in inspect.signature(redis.Redis.__init__).parameters
    else {"lib_name": None, "lib_version": None}
)


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``, safe to show even when malformed.

    The last ``@`` ends the credentials (as urllib decides), so a password containing ``/``,
    ``:`` or ``@`` is still hidden; a ``?password=`` query value is hidden too.
    """
    text = str(url)
    head, sep, rest = text.partition("://")
    if not sep or not _SCHEME_RE.fullmatch(head):
        head, sep, rest = "", "", text
    if "@" in rest:
        userinfo, _, hostpart = rest.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        rest = f"{userinfo}@{hostpart}"
    return _printable(head + sep + _PASSWORD_PARAM.sub(r"\1***", rest))


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str | None
    port: int | None
    path: str | None
    db: int
    username: str | None
    password: str | None = field(repr=False)
    ca_certs: str | None = None


def _prefix_reason(text: str) -> str | None:
    """The first problem urllib would misread (a missing scheme, a stray ``@``), if any."""
    if not text:
        return "empty URL"
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return "contains whitespace or control characters (percent-encode them)"
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "missing scheme; expected redis://HOST:PORT/DB, rediss://... or unix:///PATH"
    if not _SCHEME_RE.fullmatch(scheme):
        return "malformed scheme; accepted: redis://, rediss://, unix://"
    if scheme.lower() not in SCHEMES:
        return f"unknown scheme {scheme.lower()!r}; accepted: redis://, rediss://, unix://"
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    if rest.rfind("@") > end:
        return "'@' after the host part: percent-encode '/', '?', '#' and '@' in credentials"
    return None


def _location_reasons(
    parts: urllib.parse.SplitResult, reasons: list[str]
) -> tuple[int | None, str | None, str]:
    """Check host/port/path for the scheme; return (port, socket path, db text from path)."""
    if parts.scheme.lower() == "unix":
        path = urllib.parse.unquote(parts.path)
        if parts.hostname:
            reasons.append("unix:// takes an absolute path and no host: unix:///path/to/redis.sock")
        elif path in ("", "/"):
            reasons.append("missing socket path")
        return None, path, ""
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        reasons.append("port must be a number from 1 to 65535")
    if not parts.hostname:
        reasons.append("missing host")
    return port or 6379, None, parts.path[1:] if parts.path not in ("", "/") else ""


def _url_reasons(text: str) -> tuple[list[str], _Target | None]:
    """Every problem with ``text`` (never quoting its parts), or the parsed target."""
    early = _prefix_reason(text)
    if early is not None:
        return [early], None
    parts = urllib.parse.urlsplit(text)
    scheme = parts.scheme.lower()
    reasons: list[str] = ["unexpected '#' fragment"] if parts.fragment else []
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    allowed = {"db", "ssl_ca_certs"} if scheme == "rediss" else {"db"}
    if unknown := sorted(set(query) - allowed):
        reasons.append(f"unsupported query parameter(s): {', '.join(map(_printable, unknown))}")
    port, path, db_text = _location_reasons(parts, reasons)
    if "db" in query:
        db_text = query["db"][-1]
    if db_text and not _DIGITS.fullmatch(db_text):
        reasons.append("db must be a number (e.g. /0 or ?db=0)")
    if reasons:
        return reasons, None
    unquote = urllib.parse.unquote
    return [], _Target(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        path=path,
        db=int(db_text or 0),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ca_certs=query["ssl_ca_certs"][-1] if "ssl_ca_certs" in query else None,
    )


def _parse_url(url: str, origin: str = "") -> _Target:
    reasons, target = _url_reasons(str(url).strip())
    if target is None:
        suffix = f" (from {origin})" if origin else ""
        raise InvalidURLError(f"invalid Redis URL {mask_url(url)}{suffix}: {'; '.join(reasons)}")
    return target


def validate_redis_url(url: str) -> str:
    """Return the URL (stripped) if jobctl can use it; raise InvalidURLError saying why not."""
    _parse_url(url)
    return str(url).strip()


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class ResolvedURL:
    """The URL to use and where it came from (``explicit``, ``JOBCTL_REDIS_URL``, ``REDIS_URL``,
    ``config <path>``, ``default`` or ``embedded``), for banners and error messages."""

    url: str
    source: str

    def __repr__(self) -> str:
        return f"ResolvedURL(url={mask_url(self.url)!r}, source={self.source!r})"


def _config_files() -> list[Path]:
    files = [Path.cwd() / "jobctl.toml"]
    xdg = os.environ.get("XDG_CONFIG_HOME")
    try:
        base = Path(xdg) if xdg else Path.home() / ".config"
    except RuntimeError:  # no home directory
        return files
    return [*files, base / "jobctl" / "config.toml"]


def _config_value(key: str) -> tuple[str, Path] | None:
    """The first config file defining ``key`` wins, so a project file overrides the user's."""
    for path in _config_files():
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"cannot read config file {path}: {exc}") from None
        if key in data:
            value = data[key]
            if not isinstance(value, str):
                raise ValueError(f"config file {path}: {key!r} must be a string")
            return value, path
    return None


def _configured_urls(explicit: str | None) -> Iterator[tuple[str | None, str]]:
    yield explicit, "explicit"
    for name in ("JOBCTL_REDIS_URL", "REDIS_URL"):
        yield os.environ.get(name), name
    found = _config_value("url")
    if found is not None:
        yield found[0], f"config {found[1]}"


def _default_url() -> str:
    return os.environ.get("JOBCTL_DEFAULT_URL") or DEFAULT_URL


def _answers(url: str) -> bool:
    """Whether a Redis answers at ``url`` within a fraction of a second (NOAUTH counts)."""
    target = _parse_url(url, "JOBCTL_DEFAULT_URL")
    if target.scheme == "unix":
        address: str | tuple[str, int] = target.path or ""
    else:
        address = (target.host or "", target.port or 6379)
    if isinstance(address, tuple) and target.scheme == "rediss":
        # A TLS port cannot take a plain PING: accepting the TCP connection will do.
        try:
            socket.create_connection(address, timeout=DEFAULT_PROBE_TIMEOUT).close()
        except OSError:
            return False
        return True
    reply = send_command(address, "PING", timeout=DEFAULT_PROBE_TIMEOUT)
    return reply is not None and reply.startswith((b"+PONG", b"-NOAUTH"))


def resolve_url(explicit: str | None = None) -> ResolvedURL:
    """Pick the Redis URL: explicit, env, config file, a Redis on localhost, the embedded one.

    May start the embedded server (that is the point of the last step).
    """
    for value, source in _configured_urls(explicit):
        if value:
            _parse_url(value, "" if source == "explicit" else source)
            return ResolvedURL(value.strip(), source)
    default = _default_url()
    if _answers(default):
        return ResolvedURL(default, "default")
    if os.environ.get("JOBCTL_EMBEDDED", "").strip().lower() in _DISABLED:
        raise ConnectionUnavailableError(
            f"no Redis configured and none answering at {mask_url(default)}, and the embedded "
            "server is disabled (JOBCTL_EMBEDDED=0); pass --url or set JOBCTL_REDIS_URL"
        )
    return ResolvedURL(ensure_embedded_server(), "embedded")


def resolve_namespace(explicit: str | None = None) -> str:
    """The key namespace: explicit, ``JOBCTL_NAMESPACE``, config ``namespace``, ``jobctl``."""
    value, origin = explicit, "namespace"
    if not value:
        value, origin = os.environ.get("JOBCTL_NAMESPACE"), "JOBCTL_NAMESPACE"
    if not value:
        found = _config_value("namespace")
        value, origin = (found[0], f"config {found[1]}") if found else (DEFAULT_NAMESPACE, "")
    if not _NAMESPACE_RE.fullmatch(value):
        shown = _printable(value[:80])
        raise ValueError(
            f"invalid {origin} {shown!r}: a namespace must match [A-Za-z0-9_.-]{{1,64}}"
        )
    return value


# --------------------------------------------------------------------------- connecting


_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
_PASSWORD_WORD = re.compile(r"(?i)(\bpassword=)[^\s&#,;'\")\]]+")
_FREE_TEXT_MIN = 8
"""Passwords this long are masked wherever they occur; shorter ones only where a password can
stand (URL credentials, ``password=``, a whole word), so a password ``c`` leaves "command" be."""


def _scrub(text: str, secret: str | None) -> str:
    """Error text with credentials masked: the password itself (anywhere when long, as a whole
    word when short), then any URL's password and any ``password=`` value."""
    text = _printable(text)
    if secret:
        variants = {_printable(secret), urllib.parse.quote(secret, safe="")}
        for variant in sorted(variants, key=len, reverse=True):
            if len(variant) >= _FREE_TEXT_MIN:
                text = text.replace(variant, "***")
            else:
                text = re.sub(rf"(?<!\w){re.escape(variant)}(?!\w)", "***", text)
    text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
    return _PASSWORD_WORD.sub(r"\1***", text)


def _connection_message(text: str, target: _Target | None, shown: str) -> str:
    lower = text.lower()
    prefix = f"cannot connect to Redis at {shown}"
    scheme = target.scheme if target else ""
    if "refused" in lower or "error 111 " in lower:
        return f"{prefix}: connection refused"
    if "certificate verify failed" in lower:
        detail = re.search(r"certificate verify failed: ([^(\]]+)", text)
        reason = f" ({detail.group(1).strip()})" if detail else ""
        hint = "" if target and target.ca_certs else "; for a private CA add ?ssl_ca_certs=CA.pem"
        return f"{prefix}: TLS certificate verification failed{reason}{hint}"
    if scheme == "rediss" and ("ssl" in lower or "tls" in lower or "closed" in lower):
        return (
            f"{prefix}: TLS handshake failed; the server may not speak TLS: use redis:// for a "
            "plain port and rediss:// for a TLS port"
        )
    if scheme == "redis" and ("closed" in lower or "reset" in lower):
        return (
            f"{prefix}: the server closed the connection; if it expects TLS, use rediss:// "
            "instead of redis://"
        )
    if "no such file" in lower:
        return f"{prefix}: no socket at {target.path if target else '?'}"
    if "name or service not known" in lower or "name resolution" in lower:
        return f"{prefix}: cannot resolve host {target.host if target else '?'}"
    return f"{prefix}: {text}"


def translate_redis_error(exc: BaseException, url: str) -> JobctlError:
    """Turn a redis-py/socket error into the jobctl error the CLI maps to an exit code.

    Messages name the URL with its password masked and never echo the password.
    """
    if isinstance(exc, JobctlError):
        return exc
    _, target = _url_reasons(str(url).strip())
    shown = mask_url(url)
    user = _printable(target.username) if target and target.username else "default"
    text = _scrub(str(exc), target.password if target else None)
    tls = target is not None and target.scheme == "rediss"
    hint = " (if the server does not use TLS, use redis:// instead of rediss://)" if tls else ""
    if isinstance(exc, redis.exceptions.NoPermissionError):
        match = re.search(r"'([^']+)' command", text)
        what = f"run '{match.group(1)}'" if match else "do that"
        return AuthenticationFailedError(
            f"Redis user '{user}' at {shown} is not allowed to {what}: {text}"
        )
    if isinstance(exc, redis.exceptions.AuthenticationError) or text.startswith(
        ("WRONGPASS", "NOAUTH")
    ):
        if target is not None and target.password is None:
            text = "the server requires a password: redis://[USER]:PASSWORD@HOST:PORT/DB"
        return AuthenticationFailedError(
            f"authentication failed for user '{user}' at {shown}: {text}"
        )
    if isinstance(exc, redis.exceptions.TimeoutError | TimeoutError):
        return ConnectionUnavailableError(f"timed out connecting to {shown}{hint}")
    for kind, state in _SERVER_STATES:
        if isinstance(exc, kind):
            return ConnectionUnavailableError(f"Redis at {shown} {state}: {text}")
    if isinstance(exc, redis.exceptions.ConnectionError | OSError):
        return ConnectionUnavailableError(_connection_message(text, target, shown))
    return JobctlError(f"Redis error at {shown}: {text}")


def _client_kwargs(target: _Target, purpose: Purpose) -> dict[str, Any]:
    """One setup per purpose: CLI calls fail fast, workers tolerate long blocking reads."""
    kwargs: dict[str, Any] = {
        "db": target.db,
        "username": target.username,
        "password": target.password,
        "socket_timeout": WORKER_SOCKET_TIMEOUT if purpose == "worker" else CLIENT_SOCKET_TIMEOUT,
        "decode_responses": False,
        "health_check_interval": 0,
        # RESP2: no HELLO round trip on connect, and it works on every Redis >= 5.
        "protocol": 2,
        # Resend once after a dropped connection (stale pooled socket after a Redis restart);
        # never after a timeout, whose command may still be running. Our writes are idempotent.
        "retry": Retry(
            EqualJitterBackoff(cap=0.5, base=0.05), 1, (redis.exceptions.ConnectionError,)
        ),
        **_NO_SETINFO,
    }
    if target.scheme == "unix":
        kwargs["unix_socket_path"] = target.path
    else:
        kwargs.update(host=target.host, port=target.port, socket_connect_timeout=CONNECT_TIMEOUT)
    if target.scheme == "rediss":
        kwargs.update(ssl=True, ssl_cert_reqs="required", ssl_check_hostname=True)
        kwargs.update(ssl_ca_certs=target.ca_certs)
    return kwargs


def _probe(kwargs: dict[str, Any]) -> None:
    """PING on a short-lived connection whose timeouts (TLS handshake included) stay short.

    A separate connection costs one extra connect per process but keeps the real client's
    socket timeout untouched (a worker's blocking reads need the long one).
    """
    probe = redis.Redis(
        **{**kwargs, "socket_timeout": PROBE_TIMEOUT}, single_connection_client=True
    )
    try:
        probe.ping()
    finally:
        probe.close()


_announced: set[str] = set()


def _announce_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def connect(
    url: str | ResolvedURL | None = None,
    *,
    purpose: Purpose = "client",
    announce: Callable[[str], None] | None = None,
) -> redis.Redis:
    """Resolve, validate and open a connection, PINGing once so problems surface here.

    Raises InvalidURLError, ConnectionUnavailableError or AuthenticationFailedError, all with
    the password masked. The embedded-server notice is given once per process. A URL already
    resolved (``resolve_url``) is used as is, keeping where it came from.
    """
    if purpose not in ("client", "worker"):
        raise ValueError(f"purpose must be 'client' or 'worker', not {purpose!r}")
    resolved = url if isinstance(url, ResolvedURL) else resolve_url(url)
    target = _parse_url(resolved.url)
    if resolved.source == "embedded" and resolved.url not in _announced:
        _announced.add(resolved.url)
        (announce or _announce_stderr)(
            f"jobctl: no Redis configured and none answering at {mask_url(_default_url())}; "
            f"using the embedded server at {resolved.url}"
        )
    kwargs = _client_kwargs(target, purpose)
    try:
        _probe(kwargs)
    except (redis.exceptions.RedisError, OSError) as exc:
        raise translate_redis_error(exc, resolved.url) from exc
    return redis.Redis(**kwargs)


_default_lock = threading.Lock()
_default: tuple[int, redis.Redis] | None = None


def get_default_connection() -> redis.Redis:
    """The connection used when the library gets ``connection=None``; one per process.

    A forked child gets its own: sockets shared with the parent would interleave replies.
    """
    global _default
    with _default_lock:
        if _default is None or _default[0] != os.getpid():
            _default = (os.getpid(), connect())
        return _default[1]


def reset_default_connection() -> None:
    """Forget the cached default connection (tests, or after changing the environment)."""
    global _default
    with _default_lock:
        if _default is not None and _default[0] == os.getpid():
            _default[1].close()
        _default = None
