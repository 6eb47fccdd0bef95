"""The embedded per-user server, throw-away RedisProcess servers and `jobctl server`."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from jobctl.cli.server import app
from jobctl.connection import connect
from jobctl.embedded import (
    RedisProcess,
    _free_port,
    embedded_status,
    ensure_embedded_server,
    find_server_binary,
    send_command,
    state_dir,
    stop_embedded_server,
    wait_until,
)
from jobctl.exceptions import EmbeddedServerError


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch, _isolated_environment: Path) -> Iterator[Path]:
    """Fallback enabled, nothing on the default address, a private state dir; always stopped."""
    monkeypatch.delenv("JOBCTL_EMBEDDED")
    monkeypatch.setenv("JOBCTL_DEFAULT_URL", f"redis://127.0.0.1:{_free_port()}/0")
    try:
        yield _isolated_environment
    finally:
        stop_embedded_server()


def _started_servers(state: Path) -> int:
    """Each server start logs this line once; counting them counts starts."""
    log = state / "redis.log"
    return log.read_text().count("Server initialized") if log.exists() else 0


def test_connect_falls_back_to_embedded_once(
    embedded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = connect()
    assert client.set("k", "v") is True
    announced = capsys.readouterr().err.splitlines()
    assert len(announced) == 1
    assert announced[0].startswith("jobctl: no Redis configured and none answering at redis://")
    assert announced[0].endswith(f"using the embedded server at unix://{embedded}/redis.sock")

    first = embedded_status()
    assert first.running and first.pid is not None and first.used_memory
    assert first.socket_path == embedded / "redis.sock" and first.data_dir == embedded / "data"
    again = connect()
    assert again.get("k") == b"v"
    assert embedded_status().pid == first.pid
    assert capsys.readouterr().err == ""
    assert _started_servers(embedded) == 1
    client.close()
    again.close()

    assert stop_embedded_server() is True
    assert not embedded_status().running
    assert not (embedded / "redis.sock").exists()
    assert stop_embedded_server() is False


def test_embedded_server_is_private_and_persistent(embedded: Path) -> None:
    url = ensure_embedded_server()
    socket_mode = stat.S_IMODE((embedded / "redis.sock").stat().st_mode)
    assert socket_mode & 0o077 == 0
    assert stat.S_IMODE(embedded.stat().st_mode) == 0o700
    assert send_command(str(embedded / "redis.sock"), "CONFIG", "GET", "port") is not None
    client = redis.Redis.from_url(url)
    client.set("survives", "restart")
    client.close()
    stop_embedded_server()
    client = redis.Redis.from_url(ensure_embedded_server())
    assert client.get("survives") == b"restart"  # AOF replayed
    client.close()


def test_restarts_after_a_crash(embedded: Path) -> None:
    ensure_embedded_server()
    crashed = embedded_status().pid
    assert crashed is not None
    os.kill(crashed, signal.SIGKILL)  # leaves a stale pidfile and socket behind
    assert wait_until(lambda: not embedded_status().running, 5)
    client = redis.Redis.from_url(ensure_embedded_server())
    assert client.ping() is True
    assert embedded_status().pid not in (None, crashed)
    client.close()


def test_concurrent_starts_make_one_server(embedded: Path) -> None:
    go = embedded / "go"
    script = (
        "import os, sys\n"
        "from jobctl.embedded import ensure_embedded_server, embedded_status, wait_until\n"
        f"wait_until(lambda: os.path.exists({str(go)!r}), 10)\n"
        "ensure_embedded_server()\n"
        "print(embedded_status().pid)\n"
    )
    children = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    go.touch()
    pids = {child.communicate(timeout=30)[0].strip() for child in children}
    assert all(child.returncode == 0 for child in children)
    assert len(pids) == 1 and pids != {"None"}
    assert _started_servers(embedded) == 1


def test_status_and_stop_when_never_started(embedded: Path) -> None:
    status = embedded_status()
    assert not status.running and status.pid is None and status.used_memory is None
    assert status.url == f"unix://{embedded}/redis.sock"
    assert stop_embedded_server() is False


def test_missing_binary_says_how_to_install(
    embedded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(embedded))
    with pytest.raises(EmbeddedServerError, match="install one"):
        find_server_binary()
    monkeypatch.setenv("JOBCTL_REDIS_SERVER", "/nonexistent/redis-server")
    with pytest.raises(EmbeddedServerError, match="JOBCTL_REDIS_SERVER"):
        ensure_embedded_server()


def test_server_that_refuses_to_start(embedded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBCTL_REDIS_SERVER", "false")
    with pytest.raises(EmbeddedServerError, match="refused to start"):
        ensure_embedded_server()


def test_state_dir_locations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JOBCTL_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "jobctl"
    assert stat.S_IMODE(state_dir().stat().st_mode) == 0o700
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "jobctl"


def test_shared_state_dir_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("JOBCTL_STATE_DIR", str(shared))
    with pytest.raises(EmbeddedServerError, match="not group/world-writable"):
        state_dir()


# --------------------------------------------------------------------------- RedisProcess


def _answers(port: int) -> bool:
    reply = send_command(("127.0.0.1", port), "PING", timeout=0.5)
    return reply is not None and reply.startswith(b"+PONG")


def test_redis_process_restart_keeps_the_port() -> None:
    with RedisProcess() as server:
        port, pid = server.port, server.pid
        assert server.url == f"redis://127.0.0.1:{port}/0"
        client = redis.Redis(port=port)
        client.set("k", "v")
        server.restart()
        assert server.port == port and server.pid != pid and server.running
        assert client.get("k") is None  # no persistence: a restart starts empty
        client.close()
        server.kill()
        assert not server.running and not _answers(port)
        server.start(port)
        assert _answers(port)
    assert not server.running


def test_redis_process_extra_config() -> None:
    with RedisProcess(["requirepass s3cret-pw"]) as server:
        reply = send_command(("127.0.0.1", server.port), "PING")
        assert reply is not None and reply.startswith(b"-NOAUTH")
        assert "s3cret-pw" not in " ".join(_cmdline(server.pid))


def _cmdline(pid: int | None) -> list[str]:
    path = Path(f"/proc/{pid}/cmdline")
    return path.read_text().split("\0") if path.exists() else []


def test_redis_process_port_in_use() -> None:
    with RedisProcess() as first, pytest.raises(EmbeddedServerError, match="in use"):
        RedisProcess().start(first.port)


# --------------------------------------------------------------------------- jobctl server


def test_cli_server_lifecycle(embedded: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["running"] is False

    result = runner.invoke(app, ["start"])
    assert result.exit_code == 0 and result.output.strip() == f"unix://{embedded}/redis.sock"

    result = runner.invoke(app, ["status", "--json"])
    data = json.loads(result.output)
    assert data["running"] is True and data["pid"] == embedded_status().pid
    assert set(data) >= {"running", "url", "pid", "socket", "data_dir", "used_memory"}
    assert "running (pid" in runner.invoke(app, ["status"]).output

    result = runner.invoke(app, ["stop"])
    assert result.exit_code == 0 and "stopped" in result.output
    assert wait_until(lambda: not embedded_status().running, 5)
    result = runner.invoke(app, ["stop"])
    assert result.exit_code == 0 and "was not running" in result.output


def test_cli_server_help_has_examples() -> None:
    runner = CliRunner()
    for command in ("status", "start", "stop"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert f"Example: jobctl server {command}" in result.output


def test_cli_server_start_failure_exits_3(embedded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBCTL_REDIS_SERVER", "false")
    result = CliRunner().invoke(app, ["start"])
    assert result.exit_code == 3
    assert "refused to start" in result.stderr
    assert os.environ["JOBCTL_STATE_DIR"] == str(embedded)


def test_cli_main_job_runs_on_the_embedded_server_and_says_so(embedded: Path) -> None:
    """The README's main job with no Redis anywhere: enqueue, drain, result, one notice each."""
    from tests.cli_support import cli_env, run_exe

    env = cli_env()
    enqueued = run_exe(["enqueue", "tests.jobs.add", "--arg", ":2", "--arg", ":3"], env=env)
    assert enqueued.code == 0, enqueued.err
    notice = [line for line in enqueued.err.splitlines() if "embedded server" in line]
    assert notice == [
        f"jobctl: no Redis configured and none answering at "
        f"{os.environ['JOBCTL_DEFAULT_URL']}; using the embedded server at "
        f"unix://{embedded}/redis.sock"
    ]
    drained = run_exe(["worker", "--burst", "--log-level", "warning"], env=env)
    assert drained.code == 0, drained.err
    result = run_exe(["job", "result", enqueued.out.strip()], env=env)
    assert (result.code, result.out.strip()) == (0, "5")
    assert embedded_status().running
