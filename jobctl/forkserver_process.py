"""Inside the fork server (see ``jobctl.forkserver``): its loop, its work-horses, the wire.

Everything imported here is in the memory of every work-horse the server forks, and a fork
costs in proportion to that memory: this module and its imports must stay free of redis-py,
of the ``jobctl`` package's ``__init__`` (the server starts without running it), and of
anything only the worker needs (subprocess, logging).
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import signal
import socket
import sys
import types
from collections.abc import Callable
from typing import Any

from jobctl.context import use_process_connection
from jobctl.execution import Outcome, perform_message
from jobctl.horse import child_main, kill_group, libc_prctl, serve_jobs

KEPT_STATUSES = 256
"""Exit statuses of recent children the server keeps until the worker asks for them."""


# -- the wire: length-prefixed pickles, pipe ends passed along ----------------------------------


def send_message(channel: socket.socket, message: Any, fds: tuple[int, ...] = ()) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    header = len(data).to_bytes(4, "little")
    if fds:
        socket.send_fds(channel, [header], list(fds))
    else:
        channel.sendall(header)
    channel.sendall(data)


def receive_message(channel: socket.socket) -> tuple[Any, list[int]]:
    """One message and the descriptors sent with it; raises EOFError at end of file."""
    header, fds, _, _ = socket.recv_fds(channel, 4, 2)
    while header and len(header) < 4:
        more = channel.recv(4 - len(header))
        if not more:
            break
        header += more
    size = int.from_bytes(header, "little") if len(header) == 4 else -1
    chunks, received = [], 0
    while 0 <= received < size:
        chunk = channel.recv(min(size - received, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    if received != size:
        for fd in fds:
            os.close(fd)
        raise EOFError("the other end of the fork server's socket closed")
    return pickle.loads(b"".join(chunks)), fds


# -- the server's loop ----------------------------------------------------------------------------


def serve(package: types.ModuleType, fd: int) -> None:  # pragma: no cover - runs in the server
    """Fork a standby per request and report exit statuses, until end of file: the worker
    stopped, or died (the kernel closed its end), and then the server kills what it forked,
    so no job runs on unsupervised."""
    channel = socket.socket(fileno=fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's to handle
    live: set[int] = set()
    statuses: dict[int, int] = {}
    try:
        init, _ = receive_message(channel)
        sys.path[:] = init["path"]
        _configure_logging(init["logging"])
        use_process_connection(init["recipe"].connect)
        run = _job_runner(init["keys"], init["serializer"], tuple(init["allow"]))
        libc_prctl()  # looked up (and set up) once, before the first fork
        _finish_package_on_demand(package)
        # Out of the collector's reach from now on: a full collection in the server would
        # write to every object, copying each page it shares with its children.
        gc.freeze()
        while True:
            request, fds = receive_message(channel)
            _collect(live, statuses)
            if request[0] == "fork":
                if _import_quietly(request[1]):
                    gc.freeze()
                reply: Any = _fork(fds, channel, run)
                if reply > 0:
                    live.add(reply)
            else:
                reply = _status_of(request[1], live, statuses)
            send_message(channel, reply)
    except (EOFError, OSError):
        for pid in live:
            kill_group(pid)
        os._exit(0)


def _job_runner(keys: Any, serializer: Any, allow: tuple[str, ...]
                ) -> Callable[[bytes], Outcome]:
    def run(message: bytes) -> Outcome:
        known = len(sys.modules)
        outcome = perform_message(message, None, keys, serializer, allow)
        if len(sys.modules) != known:  # listing sys.modules writes to every name it holds
            outcome.imported = tuple(list(sys.modules)[known:])
        return outcome

    return run


def _fork(fds: list[int], channel: socket.socket,
          run: Callable[[bytes], Outcome]) -> int:  # pragma: no cover - runs in the server
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        return -1
    job_read, outcome_write = fds
    server = os.getpid()
    pid = os.fork()
    if pid == 0:
        channel.close()
        child_main(lambda: serve_jobs(job_read, outcome_write, run), server, libc_prctl(),
                   reset_signals=False)
    os.close(job_read)
    os.close(outcome_write)
    return pid


def _collect(live: set[int], statuses: dict[int, int]) -> None:  # pragma: no cover
    """Reap every child that exited; keep the latest statuses for the worker to ask."""
    while live:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        live.discard(pid)
        statuses[pid] = status
        if len(statuses) > KEPT_STATUSES:
            del statuses[next(iter(statuses))]


def _status_of(pid: int, live: set[int], statuses: dict[int, int]) -> int | None:
    """The exit status of a child the worker killed or saw close its pipe (it waits)."""
    if pid in statuses:  # pragma: no cover - runs in the server
        return statuses.pop(pid)
    live.discard(pid)
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


_REFUSED: set[str] = set()
"""Modules that failed to import in the server: not tried again (each job imports them)."""


def _import_quietly(modules: list[str]) -> bool:  # pragma: no cover - runs in the server
    """Import what jobs imported; a module that fails here fails again in the job, visibly.
    Returns whether anything was imported."""
    known = len(sys.modules)
    for name in modules:
        if name not in sys.modules and name not in _REFUSED and name != "__main__":
            try:
                importlib.import_module(name)
            except BaseException:
                _REFUSED.add(name)
    return len(sys.modules) != known


def _configure_logging(settings: dict[str, Any]) -> None:  # pragma: no cover - in the server
    """Give jobs' log records the worker's root handlers (plain stream ones); logging is only
    imported when there are some."""
    if not settings["handlers"]:
        return
    import logging

    root = logging.getLogger()
    root.setLevel(settings["level"])
    for stream_name, fmt, datefmt in settings["handlers"]:
        handler = logging.StreamHandler(getattr(sys, stream_name))
        handler.setFormatter(logging.Formatter(fmt, datefmt))
        root.addHandler(handler)


def _finish_package_on_demand(package: types.ModuleType) -> None:  # pragma: no cover
    """Run the ``jobctl`` package's ``__init__`` the first time a job asks it for a name
    (``from jobctl import get_current_job``), and not before.

    The submodules loaded so far are taken off the package's attributes first: ``__init__``
    binds some of those names to other objects (``jobctl.job`` is the decorator), and a name
    still bound would be returned without asking.
    """
    spec = package.__spec__
    assert spec is not None and spec.loader is not None
    loader = spec.loader

    def finish(name: str) -> Any:
        del package.__dict__["__getattr__"]
        loader.exec_module(package)
        return getattr(package, name)

    for name, value in list(vars(package).items()):
        if isinstance(value, types.ModuleType):
            delattr(package, name)
    package.__dict__["__getattr__"] = finish
