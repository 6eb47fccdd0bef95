"""Find, start and stop a local redis-server: the per-user embedded one and throw-away test ones."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jobctl.exceptions import EmbeddedServerError

Address = str | tuple[str, int]
"""A unix socket path, or a ``(host, port)`` pair."""

SERVER_NAMES = ("redis-server", "valkey-server")
START_TIMEOUT = 10.0
LOCK_TIMEOUT = 30.0
# sun_path holds 108 bytes on Linux and 104 on macOS; stay under both.
MAX_SOCKET_PATH = 100

_INSTALL_HINT = (
    "install one (apt install redis-server, brew install redis, dnf install valkey), "
    "set JOBCTL_REDIS_SERVER to its path, or point jobctl at a Redis with --url / "
    "JOBCTL_REDIS_URL"
)


def find_server_binary() -> str:
    """Locate the server binary; ``JOBCTL_REDIS_SERVER`` wins so users can pin a build."""
    override = os.environ.get("JOBCTL_REDIS_SERVER")
    for name in [override] if override else SERVER_NAMES:
        if found := shutil.which(name):
            return found
    if override:
        raise EmbeddedServerError(f"JOBCTL_REDIS_SERVER={override!r} is not an executable")
    raise EmbeddedServerError(f"no redis-server or valkey-server found on PATH; {_INSTALL_HINT}")


def state_dir() -> Path:
    """The per-user directory holding the embedded server's socket, data, pidfile and log.

    It must be private: anyone who can plant a socket there could feed jobs to our workers.
    """
    explicit, xdg = os.environ.get("JOBCTL_STATE_DIR"), os.environ.get("XDG_STATE_HOME")
    if explicit:
        path = Path(explicit).expanduser().absolute()
    else:
        path = (Path(xdg) if xdg else Path.home() / ".local" / "state").absolute() / "jobctl"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise EmbeddedServerError(
            f"state directory {path} must be owned by you and not group/world-writable"
        )
    return path


def send_command(address: Address, *args: str, timeout: float = 1.0) -> bytes | None:
    """Send one command on a fresh socket; the reply, or None if nothing answered in time.

    Independent of redis-py so a probe never goes through a client's retry policy. The reply is
    the first line of a status/error reply (``b"+PONG"``, ``b"-NOAUTH ..."``) or a bulk payload.
    """
    payload = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(arg.encode()), arg.encode()) for arg in args
    )
    try:
        with (
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if isinstance(address, str)
            else socket.create_connection(address, timeout=timeout)
        ) as sock:
            sock.settimeout(timeout)
            if isinstance(address, str):
                sock.connect(address)
            sock.sendall(payload)
            with sock.makefile("rb") as reader:
                line = reader.readline().rstrip(b"\r\n")
                if line.startswith(b"$") and int(line[1:]) >= 0:
                    return reader.read(int(line[1:]))
                return line or None
    except (OSError, ValueError):
        return None


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll ``predicate`` with a short growing interval until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    interval = 0.005
    while True:
        if predicate():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, 0.05)


def _is_server(pid: int) -> bool:
    """Whether ``pid`` is a live redis/valkey server: guards against signalling a reused pid.

    A zombie counts as gone (daemons are reparented to a PID 1 that may never reap them).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path(f"/proc/{pid}")
    if not proc.is_dir():
        return True  # no procfs (macOS): trust the pidfile
    with contextlib.suppress(OSError, IndexError):
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        text = (proc / "comm").read_text() + (proc / "cmdline").read_text(errors="replace")
        return state != "Z" and ("redis" in text or "valkey" in text)
    return False


def _log_tail(path: Path, lines: int = 5) -> str:
    with contextlib.suppress(OSError):
        return " | ".join(s.strip() for s in path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# --------------------------------------------------------------------------- embedded server


@dataclass(frozen=True)
class _Paths:
    socket: Path
    data: Path
    pidfile: Path
    logfile: Path
    lock: Path

    @property
    def url(self) -> str:
        return "unix://" + urllib.parse.quote(str(self.socket))


@dataclass(frozen=True)
class EmbeddedStatus:
    """What ``jobctl server status`` shows; a plain value so the CLI can render it or dump JSON."""

    running: bool
    url: str
    pid: int | None
    socket_path: Path
    data_dir: Path
    log_file: Path
    used_memory: int | None


def _paths() -> _Paths:
    root = state_dir()
    names = ("redis.sock", "data", "redis.pid", "redis.log", "embedded.lock")
    paths = _Paths(*(root / name for name in names))
    if len(os.fsencode(paths.socket)) > MAX_SOCKET_PATH:
        raise EmbeddedServerError(
            f"socket path {paths.socket} is too long; shorten JOBCTL_STATE_DIR"
        )
    return paths


def _pidfile_pid(paths: _Paths) -> int | None:
    try:
        return int(paths.pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _server_pid(paths: _Paths) -> int | None:
    """The pidfile's pid if that process is still a running server."""
    pid = _pidfile_pid(paths)
    return pid if pid is not None and _is_server(pid) else None


def _answers(paths: _Paths) -> bool:
    reply = send_command(str(paths.socket), "PING", timeout=1.0)
    return reply is not None and reply.startswith(b"+PONG")


@contextlib.contextmanager
def _locked(paths: _Paths, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Serialize start/stop across processes; the kernel drops the lock if we die."""
    fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:

        def acquire() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not wait_until(acquire, timeout):
            raise EmbeddedServerError(f"timed out waiting for the lock {paths.lock}")
        yield
    finally:
        os.close(fd)


def _wait_ready(paths: _Paths, pid: int | None, timeout: float) -> None:
    def ready() -> bool:
        if _answers(paths):
            return True
        current = pid if pid is not None else _pidfile_pid(paths)
        if current is not None and not _is_server(current):
            raise EmbeddedServerError(
                f"embedded Redis exited during startup: {_log_tail(paths.logfile)} "
                f"(log: {paths.logfile})"
            )
        return False

    if not wait_until(ready, timeout):
        raise EmbeddedServerError(
            f"embedded Redis did not answer on {paths.socket} within {timeout:.0f} s: "
            f"{_log_tail(paths.logfile)} (log: {paths.logfile})"
        )


def _start_daemon(paths: _Paths) -> None:
    binary = find_server_binary()
    paths.data.mkdir(mode=0o700, exist_ok=True)
    paths.pidfile.unlink(missing_ok=True)  # stale: a live server would have answered
    # Port 0: no TCP at all. AOF persists; RDB snapshots are off.
    args = [binary, "--port", "0", "--unixsocket", str(paths.socket), "--unixsocketperm", "700",
            "--dir", str(paths.data), "--appendonly", "yes", "--save", "", "--daemonize", "yes",
            "--pidfile", str(paths.pidfile), "--logfile", str(paths.logfile)]  # fmt: skip
    try:
        done = subprocess.run(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=START_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EmbeddedServerError(f"cannot start {binary}: {exc}") from exc
    if done.returncode != 0:
        output = done.stdout.decode(errors="replace").strip().replace("\n", " | ")
        raise EmbeddedServerError(f"{binary} refused to start: {output[-500:]}")
    _wait_ready(paths, None, START_TIMEOUT)


def ensure_embedded_server(timeout: float = LOCK_TIMEOUT) -> str:
    """Return the embedded server's ``unix://`` URL, starting it first if nothing answers.

    Safe under concurrency: starters take a file lock and re-check, so N simultaneous callers
    start exactly one server.
    """
    paths = _paths()
    if _answers(paths):
        return paths.url
    with _locked(paths, timeout):
        if not _answers(paths) and not _came_up(paths, timeout):
            _start_daemon(paths)
    return paths.url


def _came_up(paths: _Paths, timeout: float) -> bool:
    """Wait for a server that is starting up or loading its AOF; False when there is none.

    A server killed a moment ago can still look alive (not yet a zombie) and then die while
    we wait: that is no server, and a new one is started instead of reporting a failure.
    """
    pid = _server_pid(paths)
    if pid is None:
        return False
    try:
        _wait_ready(paths, pid, timeout)
    except EmbeddedServerError:
        if _server_pid(paths) is not None:
            raise
        return False
    return True


def embedded_status() -> EmbeddedStatus:
    """Report on the embedded server without starting it."""
    paths = _paths()
    running = _answers(paths)
    info = send_command(str(paths.socket), "INFO", "memory") if running else None
    found = re.search(rb"^used_memory:(\d+)", info or b"", re.MULTILINE)
    return EmbeddedStatus(
        running=running,
        url=paths.url,
        pid=_server_pid(paths),
        socket_path=paths.socket,
        data_dir=paths.data,
        log_file=paths.logfile,
        used_memory=int(found.group(1)) if found else None,
    )


def stop_embedded_server(timeout: float = 10.0) -> bool:
    """Stop the embedded server and wait until it is gone; False if it was not running."""
    paths = _paths()
    with _locked(paths):
        pid = _server_pid(paths)
        answering = _answers(paths)
        if not answering and pid is None:
            return False
        if answering:
            # A successful SHUTDOWN closes the connection without a reply; an error reply
            # (e.g. the AOF cannot be flushed) falls through to SIGTERM.
            reply = send_command(str(paths.socket), "SHUTDOWN", timeout=timeout)
            if reply is not None and pid is not None:
                os.kill(pid, signal.SIGTERM)
        elif pid is not None:
            os.kill(pid, signal.SIGTERM)

        def gone() -> bool:
            return (pid is None or not _is_server(pid)) and not _answers(paths)

        if not wait_until(gone, timeout):
            raise EmbeddedServerError(
                f"embedded Redis (pid {pid}) did not stop within {timeout:.0f} s"
            )
        return True


# --------------------------------------------------------------------------- throw-away servers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _PortInUse(Exception):
    pass


class RedisProcess:
    """A private, non-persistent redis-server on 127.0.0.1 for tests and benchmarks.

    It is a child process (not daemonized) so it dies with the test session, and it keeps its
    port across ``restart()`` so tests can bounce Redis under a running worker.
    """

    def __init__(self, extra_config: Iterable[str] = ()) -> None:
        self.extra_config = list(extra_config)
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._dir: Path | None = None

    def __enter__(self) -> RedisProcess:
        if not self.running:
            self.start(self._port)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise EmbeddedServerError("RedisProcess was never started")
        return self._port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, port: int | None = None) -> RedisProcess:
        """Start on ``port``, or on a free port (retrying if another process grabs it first)."""
        if self.running:
            raise EmbeddedServerError(f"redis-server already running on port {self._port}")
        for _ in range(1 if port is not None else 5):
            chosen = port if port is not None else _free_port()
            try:
                self._launch(chosen)
            except _PortInUse:
                continue
            return self
        raise EmbeddedServerError(f"port {port or 'any'} is in use on 127.0.0.1")

    def _launch(self, port: int) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="jobctl-redis-"))
        log = workdir / "redis.log"
        config = ["bind 127.0.0.1", f"port {port}", 'save ""', "appendonly no", "daemonize no",
                  f'dir "{workdir}"', f'logfile "{log}"', *self.extra_config]  # fmt: skip
        (workdir / "redis.conf").write_text("\n".join(config) + "\n")  # keeps secrets off argv
        proc = subprocess.Popen(
            [find_server_binary(), str(workdir / "redis.conf")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._proc, self._port, self._dir = proc, port, workdir

        def ready() -> bool:
            # Our own log, not a PING: another server already on the port would answer that.
            with contextlib.suppress(OSError):
                if "Ready to accept connections" in log.read_text(errors="replace"):
                    return True
            return proc.poll() is not None

        ok = wait_until(ready, START_TIMEOUT)
        if ok and proc.poll() is None:
            return
        tail = _log_tail(log)
        self.kill()
        if "in use" in tail:
            raise _PortInUse(tail)
        raise EmbeddedServerError(f"redis-server on port {port} did not start: {tail}")

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down gracefully (SIGTERM), escalating to SIGKILL; removes the temp dir."""
        if self.running and self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._reap()

    def kill(self) -> None:
        """SIGKILL, as a crash would: for tests of abrupt Redis loss."""
        if self.running and self._proc is not None:
            self._proc.kill()
        self._reap()

    def restart(self) -> RedisProcess:
        """Stop (if running) and start again on the same port, empty."""
        port = self.port
        self.stop()
        return self.start(port)

    def _reap(self) -> None:
        if self._proc is not None:
            self._proc.wait()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None
