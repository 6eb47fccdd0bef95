"""The jobs every system runs: importable by all workers under the same dotted names.

``stamp`` reports the moment it started on a loopback UDP socket (port in ``BENCH_STAMP_PORT``):
a datagram needs no connection, so it works the same from a thread, a forked child or a spawned
process, and costs the job a single syscall after the timestamp is taken. ``time.monotonic`` is
CLOCK_MONOTONIC on Linux, shared by all processes, so the parent can subtract its own readings.
"""

from __future__ import annotations

import os
import socket
import time

STAMP_PORT_ENV = "BENCH_STAMP_PORT"

_sock: socket.socket | None = None
_sock_pid = 0


def noop() -> None:
    """Does nothing: measures the queue's own cost per job."""


def stamp(seq: int) -> None:
    """Send ``"<seq> <monotonic start time>"`` to the measuring process."""
    started = time.monotonic()
    global _sock, _sock_pid
    if _sock is None or _sock_pid != os.getpid():
        _sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        _sock_pid = os.getpid()
    port = int(os.environ[STAMP_PORT_ENV])
    _sock.sendto(f"{seq} {started!r}".encode(), ("127.0.0.1", port))
