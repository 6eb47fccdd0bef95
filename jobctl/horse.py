"""The work-horse: a child process for every job (or for a few jobs in turn), and the
parent's watch over it.

The child runs the job under its soft time limit and sends the outcome back through a pipe;
the parent never blocks on the child, so it keeps heartbeating, reads control commands, and
kills the child's whole process group if the job overruns its hard limit or is stopped.
Children are forked one job ahead (a standby waits on a pipe for its job), so the fork's cost
overlaps the previous job instead of delaying the next.

Both pipes carry length-prefixed messages (``write_frame``/``read_frame``), so a child can
take another job after it answered one: a worker given ``jobs_per_horse`` > 1 reuses each
child for that many jobs, trading a fresh process per job for the cost of a fork.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from jobctl.exceptions import JobTimeoutException
from jobctl.execution import Outcome
from jobctl.status import JobStatus

TICK = 1.0
"""Longest pause between the parent's checks (heartbeat due, commands) while a child runs."""

PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
FRAME_HEADER = 8
"""Bytes of the length before each message on a work-horse's pipes."""


@dataclass
class HorseWatch:
    """What the parent checks between reads: called every tick; returns a stop reason or ""."""

    on_tick: Callable[[], str]
    cold_shutdown: Callable[[], bool]
    tick: float = TICK
    """Seconds between checks: at most the heartbeat interval, so the job's lease never lapses."""


@dataclass
class Standby:
    """A work-horse forked before its job is known, waiting on a pipe for it.

    Forking costs milliseconds in a process of this size (page tables, then copy-on-write
    faults); a child forked while the worker is idle, or while its previous job runs, takes
    that cost off the path from claim to start. Each job gets a fresh child, unless the
    worker reuses children (``jobs_per_horse`` > 1).
    """

    pid: int
    job_fd: int
    """Where the parent writes jobs; closed after the last one, and the child exits."""
    outcome_fd: int
    jobs_taken: int = 0
    """Jobs handed to this child so far (more than one only with ``jobs_per_horse`` > 1)."""


class Spawner(Protocol):
    """Where standby children come from: forked by the worker itself (``LocalForks``) or by
    its fork server (``jobctl.forkserver.ForkServer``), which is smaller and so forks faster."""

    def fork_standby(self) -> Standby:
        """Start a child that runs the job messages arriving on a pipe (``serve_jobs``)."""

    def ready(self, standby: Standby) -> bool:
        """Whether the standby can take a job (not seen dead); False closes its pipes."""

    def reap(self, pid: int) -> str:
        """Wait for a child that was killed or closed its pipe; its exit status as text."""

    def reap_later(self, pid: int) -> None:
        """The child delivered its last outcome and exits now: collect it without waiting."""

    def preload(self, modules: tuple[str, ...]) -> None:
        """A job imported these: later children should start with them (when they can)."""

    def close(self) -> None:
        """The worker stops: release what the spawner holds."""


class LocalForks:
    """Standby children forked by the worker process itself."""

    def __init__(self, run_message: Callable[[bytes], Outcome]) -> None:
        self._run_message = run_message

    def fork_standby(self) -> Standby:
        return fork_standby(self._run_message)

    def ready(self, standby: Standby) -> bool:
        try:
            exited = os.waitpid(standby.pid, os.WNOHANG)[0] == standby.pid
        except ChildProcessError:
            exited = True
        if exited:  # reaped just now: close its pipes, nothing left to reap
            for fd in (standby.job_fd, standby.outcome_fd):
                os.close(fd)
        return not exited

    def reap(self, pid: int) -> str:
        return exit_status(os.waitpid(pid, 0)[1])

    def reap_later(self, pid: int) -> None:
        _pending_reaps.append(pid)

    def preload(self, modules: tuple[str, ...]) -> None:
        """Nothing to do: a job's imports stay in its child, and the worker's children start
        from the worker's memory."""

    def close(self) -> None:
        reap_pending()


def fork_standby(run_message: Callable[[bytes], Outcome]) -> Standby:
    """Fork a child that runs each job message it is sent with ``run_message(message)``.

    A child that delivered its last outcome is reaped later (before the next fork), so its job
    is settled without waiting for the child's exit.
    """
    reap_pending()
    job_read, job_write = os.pipe()
    outcome_read, outcome_write = os.pipe()
    parent = os.getpid()
    prctl = libc_prctl()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(job_write)
        os.close(outcome_read)
        child_main(lambda: serve_jobs(job_read, outcome_write, run_message), parent, prctl)
    os.close(job_read)
    os.close(outcome_write)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    return Standby(pid, job_write, outcome_read)


def serve_jobs(job_fd: int, outcome_fd: int, run_message: Callable[[bytes], Outcome]) -> None:
    """In a work-horse: run each job message that arrives and send back its outcome, until
    the parent closes the job pipe (a standby dismissed without a job just exits)."""
    while (message := read_frame(job_fd)) is not None:
        outcome = run_message(message)
        write_frame(outcome_fd, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))


def write_frame(fd: int, data: bytes) -> None:
    """Write one message, its length first (a blocking write of all of it)."""
    view = memoryview(len(data).to_bytes(FRAME_HEADER, "little") + data)
    while view:
        view = view[os.write(fd, view):]


def read_frame(fd: int) -> bytes | None:
    """Read one message written by ``write_frame``; None at end of file, even mid-message."""
    header = _read_exactly(fd, FRAME_HEADER)
    return None if header is None else _read_exactly(fd, int.from_bytes(header, "little"))


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def frame_length(buffer: bytearray) -> int | None:
    """The size of the whole first message in ``buffer`` (header included), once its header
    has arrived."""
    if len(buffer) < FRAME_HEADER:
        return None
    return FRAME_HEADER + int.from_bytes(buffer[:FRAME_HEADER], "little")


class StandbyHorses:
    """Keeps one standby child ready, so each job runs in a child forked ahead of it.

    The next standby is forked right after a child is handed its last job, while that job
    runs (the two processes share the cores), and an idle worker has one waiting: claim to
    start costs a pipe write, not a fork. With ``jobs_per_horse`` > 1, a child that answered
    is kept and handed the next job, until it has taken that many.
    """

    def __init__(self, spawner: Spawner, jobs_per_horse: int = 1) -> None:
        self.spawner = spawner
        self.jobs_per_horse = jobs_per_horse
        self._standby: Standby | None = None
        self._kept: Standby | None = None
        """The child that ran the last job and may take the next one."""

    def run(self, message: bytes, watch: HorseWatch, hard_limit: float | None) -> Outcome:
        """Run a job message in a child: the one kept from the last job, the standby, or one
        forked now when those are gone (killed while they waited)."""
        outcome = None
        for take in (self._take_kept, self._take_standby, self.spawner.fork_standby):
            horse = take()
            if horse is not None:
                outcome = self._run_in(horse, message, watch, hard_limit)
            if outcome is not None:
                break
        if outcome is not None and outcome.imported:
            self.spawner.preload(outcome.imported)
        return outcome or Outcome(JobStatus.FAILED,
                                  exc_info="work-horse terminated before it took the job")

    def _take_kept(self) -> Standby | None:
        horse, self._kept = self._kept, None
        return horse

    def _take_standby(self) -> Standby | None:
        horse, self._standby = self._standby, None
        return horse

    def _run_in(self, horse: Standby, message: bytes, watch: HorseWatch,
                hard_limit: float | None) -> Outcome | None:
        """Hand ``message`` to a child; when that is its last job, close its job pipe and fork
        the next standby while it starts the job; then watch it (heartbeats, commands, the
        hard limit) until its outcome arrives.

        None when the child is gone (killed while it waited): the caller runs the job another
        way.
        """
        if not self.spawner.ready(horse):
            return None
        horse.jobs_taken += 1
        last = horse.jobs_taken >= self.jobs_per_horse
        try:
            write_frame(horse.job_fd, message)
        except OSError:
            dismiss(horse)
            self.spawner.reap_later(horse.pid)
            return None
        if last:
            os.close(horse.job_fd)
            if self._standby is None:
                self._standby = self.spawner.fork_standby()
        outcome, answered = _watch(horse.pid, horse.outcome_fd, watch, hard_limit, self.spawner)
        if answered and not last:
            self._kept = horse
            return outcome
        os.close(horse.outcome_fd)
        if not last:
            os.close(horse.job_fd)
        if answered:
            self.spawner.reap_later(horse.pid)  # it read end of file and exits
        return outcome

    def close(self) -> None:
        """Dismiss the waiting children and release the spawner (the worker stops)."""
        for horse in (self._take_kept(), self._take_standby()):
            if horse is not None and self.spawner.ready(horse):
                dismiss(horse)
                self.spawner.reap_later(horse.pid)
        self.spawner.close()


def dismiss(standby: Standby) -> None:
    """Let a waiting child exit without another job (it reads end of file)."""
    for fd in (standby.job_fd, standby.outcome_fd):
        with contextlib.suppress(OSError):
            os.close(fd)


_pending_reaps: list[int] = []
_prctl_function: list[Callable[..., int] | None] = []


def libc_prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up once in the parent (a lookup per child costs a fork's worth)."""
    if not _prctl_function:
        function = None
        if sys.platform.startswith("linux"):
            import ctypes

            with contextlib.suppress(OSError, AttributeError):
                function = ctypes.CDLL(None).prctl
                function(PR_GET_DUMPABLE, 0, 0, 0, 0)  # a first call sets ctypes up, here
        _prctl_function.append(function)
    return _prctl_function[0]


def reap_pending() -> None:
    """Collect children that delivered their outcome earlier (they exit right after)."""
    while _pending_reaps:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_pending_reaps.pop(), 0)


def die_with_parent(parent: int, prctl: Callable[..., int] | None) -> None:
    """Have the kernel SIGKILL this child if its worker dies, however the worker dies.

    Otherwise a SIGKILLed worker's child would run its job on unsupervised (and, once the
    reaper requeued the job, side by side with the re-run). Linux only; elsewhere the child
    finds out when it writes its outcome into the closed pipe.
    """
    if prctl is not None:
        with contextlib.suppress(OSError):
            prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the worker died before the request took effect
        os._exit(1)


def child_main(serve: Callable[[], None], parent: int, prctl: Callable[..., int] | None,
               reset_signals: bool = True) -> None:
    """Run a work-horse: its own process group, death with its parent, then its jobs; never
    returns (the child must not unwind into the parent's stack, or pytest's).

    A child of the fork server keeps the server's signal handlers (``reset_signals`` False),
    which are already what a work-horse needs: every step here costs copy-on-write page
    faults in a fresh child, so it does only what it must.
    """
    code = 0
    try:
        os.setpgid(0, 0)
        die_with_parent(parent, prctl)
        if reset_signals:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        serve()
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _watch(pid: int, read_fd: int, watch: HorseWatch, hard_limit: float | None,
           spawner: Spawner) -> tuple[Outcome, bool]:
    """Wait for the child's outcome; also whether it answered (and so may live on)."""
    received = bytearray()
    deadline = None if hard_limit is None else time.monotonic() + hard_limit
    stop_reason = ""
    while True:
        tick = watch.tick
        wait = tick if deadline is None else max(0.0, min(tick, deadline - time.monotonic()))
        ready, _, _ = select.select([read_fd], [], [], wait)
        if ready:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            received += chunk
            size = frame_length(received)
            if size is None or len(received) < size:
                continue
            try:
                outcome: Outcome = pickle.loads(received[FRAME_HEADER:size])
            except Exception:  # pragma: no cover - something else wrote to the pipe
                kill_group(pid)  # not to be trusted with another job
                break
            return outcome, True
        elif watch.cold_shutdown():
            stop_reason = "cold"
        elif deadline is not None and time.monotonic() >= deadline:
            stop_reason = "timeout"
        else:
            stop_reason = watch.on_tick()
        if stop_reason:
            kill_group(pid)
            break
    status = spawner.reap(pid)
    if stop_reason:
        return _stopped_outcome(stop_reason, hard_limit), False
    return Outcome(JobStatus.FAILED,
                   exc_info=f"work-horse terminated unexpectedly ({status})"), False


def _stopped_outcome(reason: str, hard_limit: float | None) -> Outcome:
    if reason == "timeout":
        return Outcome(
            JobStatus.FAILED,
            exc_info=f"{JobTimeoutException.__name__}: job ignored its timeout and was killed "
            f"after {hard_limit:g} seconds",
        )
    if reason == "cold":
        return Outcome(JobStatus.FAILED, exc_info="the worker was shut down (cold) during the job")
    return Outcome(JobStatus.STOPPED, exc_info=f"job stopped: {reason}", retryable=False)


def kill_group(pid: int) -> None:
    """SIGKILL the child and everything it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def exit_status(status: int) -> str:
    """A wait status as the text a failed job's error shows."""
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit code {os.WEXITSTATUS(status)}"
