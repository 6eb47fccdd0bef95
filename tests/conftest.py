"""Shared Redis fixtures: one private redis-server per session, flushed before each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from jobctl import connection as jobctl_connection
from jobctl.embedded import RedisProcess, stop_embedded_server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisProcess]:
    """A throw-away redis-server on a free 127.0.0.1 port; never the machine's own Redis."""
    with RedisProcess() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisProcess) -> str:
    return redis_server.url


@pytest.fixture
def connection(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the session server, emptied first so every test starts clean."""
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Keep every test away from the user's config, embedded server and localhost:6379.

    URL resolution then finds nothing: the localhost probe points at a socket that does not
    exist and the embedded fallback is off. Tests of the fallback re-enable it explicitly.
    """
    state = tmp_path_factory.mktemp("state")
    for name in ("JOBCTL_REDIS_URL", "REDIS_URL", "JOBCTL_NAMESPACE", "JOBCTL_REDIS_SERVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JOBCTL_STATE_DIR", str(state))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(state / "config"))
    monkeypatch.setenv("JOBCTL_DEFAULT_URL", f"unix://{state}/no-redis-here.sock")
    monkeypatch.setenv("JOBCTL_EMBEDDED", "0")
    jobctl_connection.reset_default_connection()
    yield state
    jobctl_connection.reset_default_connection()
    if (state / "redis.pid").exists():  # a test started the embedded server: never leak it
        stop_embedded_server()
