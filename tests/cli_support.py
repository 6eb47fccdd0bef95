"""Running ``jobctl`` in tests: in-process through ``main()`` (fast, exit codes and option
hoisting included) or as the installed executable (pipes, terminals, signals, workers).

Import the fixtures into a test module with
``from tests.cli_support import cli_fixture, exe_fixture``; tests then ask for ``cli``/``exe``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from jobctl.cli.app import main
from tests.fixtures_engine import snapshot
from tests.polling import wait_until  # noqa: F401 - re-exported for the tests

REPO = Path(__file__).resolve().parent.parent
JOBCTL = Path(sys.executable).with_name("jobctl")
BOX_CHARS = set("─│┃━┏┓┗┛┌┐└┘├┤┬┴┼═║╔╗╚╝╭╮╯╰")


@dataclass
class Result:
    """What one jobctl run printed and how it exited."""

    code: int
    out: str
    err: str
    elapsed: float

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    @property
    def out_lines(self) -> list[str]:
        return self.out.splitlines()

    def __str__(self) -> str:  # shown by pytest when an assertion fails
        return f"exit {self.code}\n--- stdout\n{self.out[:3000]}\n--- stderr\n{self.err[:3000]}"


Runner = Callable[..., Result]


def run_in_process(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
) -> Result:
    """``jobctl.cli.app.main(args)`` with a non-terminal stdin holding ``stdin``."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    capsys.readouterr()
    started = time.monotonic()
    try:
        main(list(args))
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    if code is None:
        code = 0
    assert isinstance(code, int), f"non-integer exit status {code!r}"
    return Result(code, captured.out, captured.err, elapsed)


def cli_env(**extra: str) -> dict[str, str]:
    """The test's (isolated) environment for a jobctl subprocess."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def run_exe(
    args: list[str],
    *,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
    cwd: Path = REPO,
) -> Result:
    """The installed ``jobctl`` executable with stdout/stderr piped."""
    started = time.monotonic()
    proc = subprocess.run(
        [str(JOBCTL), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env if env is not None else cli_env(),
        timeout=timeout,
        cwd=cwd,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


@pytest.fixture(name="cli")
def cli_fixture(
    connection: redis.Redis,
    redis_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Runner:
    """Run jobctl in-process against the (flushed) test Redis; ``url=None`` passes no --url."""

    def run(*args: str, stdin: str = "", url: str | None = redis_url) -> Result:
        argv = ["--url", url, *args] if url else list(args)
        return run_in_process(argv, capsys, monkeypatch, stdin)

    return run


@pytest.fixture(name="exe")
def exe_fixture(connection: redis.Redis, redis_url: str) -> Runner:
    """Run the installed executable; the test Redis comes from ``JOBCTL_REDIS_URL``."""

    def run(*args: str, stdin: str | None = None, timeout: float = 30.0,
            **env: str) -> Result:
        return run_exe(list(args), stdin=stdin, timeout=timeout,
                       env=cli_env(**{"JOBCTL_REDIS_URL": redis_url, **env}))

    return run


def redis_state(connection: redis.Redis) -> dict[bytes, Any]:
    """Every key with its type and content: equal states mean nothing was written.

    Content, not DUMP bytes: a big hash's DUMP order changes when a read rehashes it."""
    return snapshot(connection)


def job_keys(connection: redis.Redis) -> list[bytes]:
    return sorted(connection.keys("*job:*"))


class WorkerProcess:
    """A ``jobctl worker`` subprocess whose log goes to a file we can read any time."""

    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc = proc
        self.log_path = log

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float = 15.0) -> int:
        return self.proc.wait(timeout)


@contextmanager
def worker_process(
    args: list[str], log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[WorkerProcess]:
    """Start ``jobctl worker ARGS``; it is killed (by its own pid) if still running at exit."""
    log = log_dir / f"worker-{time.monotonic_ns()}.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [str(JOBCTL), "worker", *args], stdin=subprocess.DEVNULL, stdout=handle,
            stderr=subprocess.STDOUT, env=env if env is not None else cli_env(), cwd=REPO,
        )
    try:
        yield WorkerProcess(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
