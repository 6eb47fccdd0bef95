"""The fork server: a small process that forks every work-horse of one forking worker.

A fork costs in proportion to the memory of the process that forks: its page tables are
copied, then written pages are copied on write, then torn down when the child exits. A
worker holds redis-py (which imports asyncio), the CLI and all of jobctl, about 22 MB of
private memory. The server is a fresh interpreter holding only what running a job needs
(about 10 MB, without redis-py), so a work-horse costs about half the CPU time, and the
worker itself never forks (nor takes copy-on-write faults after a fork).

The worker starts it once (``ForkServer.start``) and asks it over a Unix socket for standby
children, sending along the two pipe ends the child uses, so the worker talks to its
work-horses exactly as to children of its own; it kills their process groups itself, and asks
the server for their exit status, since only a parent can wait for a child.

What a job imports, the server imports too before the next fork, so work-horses start with
the job's modules loaded (modules a job never imported are never loaded in the server).
Because the server did not inherit the worker's memory, it is for workers that prepared
nothing in their own process that jobs rely on: ``jobctl worker`` uses it, a ``Worker`` built
in a script uses it when given ``fork_server=True``. If the server cannot start or dies, the
worker forks its work-horses itself.

What runs inside the server is in ``jobctl.forkserver_process``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from jobctl.connection_recipe import ConnectionRecipe
from jobctl.execution import Outcome
from jobctl.forkserver_process import receive_message, send_message
from jobctl.horse import LocalForks, Standby, exit_status

logger = logging.getLogger(__name__)

_BOOT = """\
import importlib.util, sys
sys.path.insert(0, sys.argv[1])
package = importlib.util.module_from_spec(importlib.util.find_spec("jobctl"))
sys.modules["jobctl"] = package
from jobctl.forkserver_process import serve
serve(package, int(sys.argv[2]))
"""
"""The server's start-up: the ``jobctl`` package is made without running its ``__init__``,
which imports the whole library and redis-py; it runs on first use of a name it exports
(see ``forkserver_process._finish_package_on_demand``)."""


# -- the worker's side ------------------------------------------------------------------------


class ForkServer:
    """The worker's handle on its fork server; a ``horse.Spawner``.

    Standby children come from the server; when it cannot be reached any more, from the
    worker itself (a warning says so once).
    """

    def __init__(self, process: subprocess.Popen[bytes], channel: socket.socket,
                 local_forks: LocalForks, reply_timeout: float) -> None:
        self._process = process
        self._channel = channel
        self._local_forks = local_forks
        self._lost = False
        """The server is gone or stopped answering: the worker forks its work-horses."""
        self._local: set[int] = set()
        """Pids of the work-horses the worker forked itself (since the server was lost)."""
        self._preload: list[str] = []
        self._awaiting_pid: list[Standby] = []
        """Standbys asked for whose pid (the server's reply) has not been read yet."""
        channel.settimeout(reply_timeout)

    @classmethod
    def start(cls, run_message: Callable[[bytes], Outcome], settings: dict[str, Any],
              reply_timeout: float) -> ForkServer | None:
        """Start a server for a worker with these settings (``serializer``, ``keys``,
        ``allow``, ``connection``); None when one cannot be started (the worker forks)."""
        if not sys.platform.startswith("linux") or not sys.executable:
            return None  # no parent-death signal elsewhere; no interpreter to start when embedded
        recipe = ConnectionRecipe.of(settings.pop("connection"))
        if recipe is None:
            logger.info("fork server not used: the connection's settings cannot be copied")
            return None
        init = {**settings, "recipe": recipe, "path": list(sys.path), "logging": _root_logging()}
        try:
            pickle.dumps(init)
        except Exception as exc:
            logger.info("fork server not used: its settings cannot be sent (%s)", exc)
            return None
        ours, theirs = socket.socketpair()
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, root, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        except OSError as exc:
            logger.warning("fork server not started (%s): the worker forks its work-horses", exc)
            ours.close()
            return None
        finally:
            theirs.close()
        send_message(ours, init)
        return cls(process, ours, LocalForks(run_message), reply_timeout)

    @property
    def pid(self) -> int:
        return self._process.pid

    def preload(self, modules: tuple[str, ...]) -> None:
        """Have the server import these (a job's imports) before its next fork."""
        self._preload.extend(modules)

    def fork_standby(self) -> Standby:
        if not self._lost:
            job_read, job_write = os.pipe()
            outcome_read, outcome_write = os.pipe()
            try:
                send_message(self._channel, ("fork", self._preload), (job_read, outcome_write))
                self._preload = []
                standby = Standby(0, job_write, outcome_read)
                self._awaiting_pid.append(standby)
                return standby
            except OSError as exc:
                os.close(job_write)
                os.close(outcome_read)
                self._give_up(exc)
            finally:
                os.close(job_read)
                os.close(outcome_write)
        standby = self._local_forks.fork_standby()
        self._local.add(standby.pid)
        return standby

    def ready(self, standby: Standby) -> bool:
        if standby.pid in self._local:
            return self._local_forks.ready(standby)
        self._read_pids()
        if standby.pid > 0 and not self._lost:  # a lost server's children die with it
            return True
        for fd in (standby.job_fd, standby.outcome_fd):
            os.close(fd)
        return False

    def reap(self, pid: int) -> str:
        if pid in self._local:
            self._local.discard(pid)
            return self._local_forks.reap(pid)
        self._read_pids()
        status = self._ask(("status", pid))
        return exit_status(status) if isinstance(status, int) else "exit status unknown"

    def reap_later(self, pid: int) -> None:
        if pid in self._local:
            self._local.discard(pid)
            self._local_forks.reap_later(pid)

    def close(self) -> None:
        """Stop the server (end of file on its socket) and wait for it."""
        self._channel.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._local_forks.close()

    def _read_pids(self) -> None:
        """Read the replies to forks asked for earlier (a pid, or -1 when there is none)."""
        while self._awaiting_pid:
            standby = self._awaiting_pid.pop(0)
            reply = self._ask(None)
            standby.pid = reply if isinstance(reply, int) and reply > 0 else -1

    def _ask(self, request: tuple[Any, ...] | None) -> Any:
        """Send a request (None: only read the reply to a fork asked for earlier); None when
        the server is gone or too slow, after which the worker forks its work-horses itself."""
        if self._lost:
            return None
        try:
            if request is not None:
                send_message(self._channel, request)
            return receive_message(self._channel)[0]
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self._give_up(exc)
            return None

    def _give_up(self, reason: BaseException) -> None:
        logger.warning("fork server lost (%s): the worker forks its work-horses itself",
                       reason or type(reason).__name__)
        self._lost = True
        with contextlib.suppress(OSError):
            self._channel.close()
        with contextlib.suppress(OSError):
            self._process.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self._process.wait(timeout=5)


def _root_logging() -> dict[str, Any]:
    """The root logger's level and plain stream handlers, for the jobs' own log records."""
    root = logging.getLogger()
    handlers = []
    for handler in root.handlers:
        stream = getattr(handler, "stream", None)
        name = {id(sys.stderr): "stderr", id(sys.stdout): "stdout"}.get(id(stream))
        formatter = handler.formatter
        if name and (formatter is None or type(formatter) is logging.Formatter):
            fmt = formatter._fmt if formatter else None
            handlers.append((name, fmt, formatter.datefmt if formatter else None))
    return {"level": root.level, "handlers": handlers}
