"""URL validation, resolution order and connection errors, against real redis-server processes."""

from __future__ import annotations

import contextlib
import os
import socket
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from jobctl.connection import (
    connect,
    get_default_connection,
    mask_url,
    resolve_namespace,
    resolve_url,
    translate_redis_error,
    validate_redis_url,
)
from jobctl.embedded import RedisProcess, _free_port
from jobctl.exceptions import (
    AuthenticationFailedError,
    ConnectionUnavailableError,
    InvalidURLError,
    JobctlError,
)

PASSWORD = "s3cret-pw"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
        ("redis://user:pw@host:6379/0", "redis://user:***@host:6379/0"),
        ("rediss://user:p@ss/w:rd@host:6380", "rediss://user:***@host:6380"),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("unix://:pw@/tmp/r.sock?db=2", "unix://:***@/tmp/r.sock?db=2"),
        ("unix:///tmp/r.sock?db=1&password=pw", "unix:///tmp/r.sock?db=1&password=***"),
        ("user:pw@host:6379", "user:***@host:6379"),
        ("pw:x@host://y", "pw:***@host://y"),
        ("redis://:p\x1b[2Jw@h", "redis://:***@h"),
        ("redis://h\x1b[2J:1/0", "redis://h\\x1b[2J:1/0"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


INVALID = [
    ("http://h:6379", "unknown scheme 'http'; accepted: redis://, rediss://, unix://"),
    ("localhost:6379", "missing scheme"),
    ("redis://:pw@:6379/abc", "missing host; db must be a number"),
    ("redis://h:99999/0", "port must be a number from 1 to 65535"),
    ("redis://h:port/0", "port must be a number from 1 to 65535"),
    ("redis://h:0/0", "port must be a number from 1 to 65535"),
    ("unix://", "missing socket path"),
    ("unix://relative/path.sock", "unix:// takes an absolute path"),
    ("unix:///tmp/r.sock?db=x", "db must be a number"),
    ("redis://h/0?socket_timeout=1", "unsupported query parameter(s): socket_timeout"),
    ("", "empty URL"),
    ("redis://h /0", "whitespace"),
    ("1http://h", "malformed scheme"),
]


@pytest.mark.parametrize(("url", "reason"), INVALID)
def test_invalid_urls_say_why(url: str, reason: str) -> None:
    with pytest.raises(InvalidURLError) as info:
        validate_redis_url(url)
    assert str(info.value).startswith(f"invalid Redis URL {mask_url(url)}: ")
    assert reason in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:hunter2@h:6379",
        "redis://:hunter2@:6379/abc",
        "redis://user:hunter2@h:port/0",
        "redis://:hun/ter2@h:6379/0",
        "redis://:hunter2@h/0#frag",
        "x:hunter2@host",
    ],
)
def test_password_never_in_validation_errors(url: str) -> None:
    with pytest.raises(InvalidURLError) as info:
        validate_redis_url(url)
    assert "hunter2" not in str(info.value) and "ter2" not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://localhost",
        "redis://:pw@127.0.0.1:6380/3",
        "redis://user:p%40ss@[::1]:6379/0",
        "rediss://h:6380/0?ssl_ca_certs=/etc/ca.pem",
        "unix:///tmp/redis.sock",
        "unix://:pw@/tmp/redis.sock?db=4",
        " redis://h:1/0 ",
    ],
)
def test_valid_urls(url: str) -> None:
    assert validate_redis_url(url) == url.strip()


# --------------------------------------------------------------------------- resolution


def _write_config(path: Path, **values: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f'{key} = "{value}"\n' for key, value in values.items()))


@pytest.fixture
def all_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _isolated_environment: Path
) -> Iterator[Path]:
    """Every source set to a distinct URL; tests peel them off one by one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOBCTL_REDIS_URL", "redis://from-jobctl-env:1/0")
    monkeypatch.setenv("REDIS_URL", "redis://from-redis-env:1/0")
    _write_config(tmp_path / "jobctl.toml", url="redis://from-cwd-config:1/0")
    user_config = _isolated_environment / "config" / "jobctl" / "config.toml"
    _write_config(user_config, url="redis://from-user-config:1/0", namespace="user-ns")
    yield tmp_path


def test_resolution_order(all_sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url("redis://explicit:1/0").source == "explicit"
    assert resolve_url().url == "redis://from-jobctl-env:1/0"
    monkeypatch.delenv("JOBCTL_REDIS_URL")
    assert resolve_url().url == "redis://from-redis-env:1/0"
    monkeypatch.setenv("REDIS_URL", "")
    resolved = resolve_url()
    assert resolved.url == "redis://from-cwd-config:1/0"
    assert resolved.source == f"config {all_sources / 'jobctl.toml'}"
    (all_sources / "jobctl.toml").unlink()
    assert resolve_url().url == "redis://from-user-config:1/0"


def test_default_localhost_beats_embedded(
    all_sources: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    for name in ("JOBCTL_REDIS_URL", "REDIS_URL"):
        monkeypatch.delenv(name)
    (all_sources / "jobctl.toml").unlink()
    (Path(os.environ["XDG_CONFIG_HOME"]) / "jobctl" / "config.toml").unlink()
    monkeypatch.setenv("JOBCTL_DEFAULT_URL", redis_url)
    assert resolve_url().url == redis_url and resolve_url().source == "default"


def test_embedded_disabled_is_unavailable() -> None:
    with pytest.raises(ConnectionUnavailableError, match=r"JOBCTL_EMBEDDED=0"):
        resolve_url()


def test_invalid_url_from_env_names_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", f"http://:{PASSWORD}@h:1")
    with pytest.raises(InvalidURLError, match=r"^invalid Redis URL http://:\*\*\*@h:1 "
                       r"\(from REDIS_URL\): unknown scheme 'http'") as info:
        connect()
    assert PASSWORD not in str(info.value)


def test_broken_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jobctl.toml").write_text("url = [")
    with pytest.raises(ValueError, match="cannot read config file"):
        resolve_url()


def test_namespace_resolution(all_sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_namespace("given") == "given"
    assert resolve_namespace() == "user-ns"
    _write_config(all_sources / "jobctl.toml", namespace="cwd-ns")
    assert resolve_namespace() == "cwd-ns"
    monkeypatch.setenv("JOBCTL_NAMESPACE", "env-ns")
    assert resolve_namespace() == "env-ns"
    for bad in ("{x}", "a:b", "with space", "x" * 65):
        with pytest.raises(ValueError, match=r"must match \[A-Za-z0-9_.-\]\{1,64\}"):
            resolve_namespace(bad)


def test_namespace_default() -> None:
    assert resolve_namespace() == "jobctl"


# --------------------------------------------------------------------------- connecting


def test_connect_works_and_sends_no_setinfo(redis_url: str, connection: redis.Redis) -> None:
    client = connect(redis_url)
    assert client.ping() is True
    names = [entry.get("lib-name") for entry in connection.client_list()]
    assert "redis-py" not in names
    client.close()


def test_connection_refused_is_fast_and_clear() -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    started = time.monotonic()
    with pytest.raises(ConnectionUnavailableError) as info:
        connect(url)
    assert time.monotonic() - started < 1.0
    assert str(info.value) == f"cannot connect to Redis at {url}: connection refused"


def test_silent_server_times_out_within_5_seconds() -> None:
    with socket.socket() as listener:  # accepts (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        started = time.monotonic()
        with pytest.raises(ConnectionUnavailableError, match=f"^timed out connecting to {url}"):
            connect(url)
        assert time.monotonic() - started < 5.0


@pytest.fixture(scope="module")
def secured() -> Iterator[RedisProcess]:
    with RedisProcess([f"requirepass {PASSWORD}"]) as server:
        admin = redis.Redis(port=server.port, password=PASSWORD)
        admin.execute_command("ACL", "SETUSER", "limited", "on", ">lim-pw", "~*", "-@all")
        admin.close()
        yield server


@pytest.mark.parametrize(
    ("userinfo", "user"),
    [(":wrong-pw", "default"), ("nobody:wrong-pw", "nobody"), ("", "default")],
)
def test_authentication_failures(secured: RedisProcess, userinfo: str, user: str) -> None:
    at = "@" if userinfo else ""
    url = f"redis://{userinfo}{at}127.0.0.1:{secured.port}/0"
    with pytest.raises(AuthenticationFailedError) as info:
        connect(url)
    message = str(info.value)
    assert message.startswith(f"authentication failed for user '{user}' at {mask_url(url)}")
    assert "wrong-pw" not in message and PASSWORD not in message


def test_right_password_connects(secured: RedisProcess) -> None:
    client = connect(f"redis://:{PASSWORD}@127.0.0.1:{secured.port}/0")
    assert client.ping() is True
    assert PASSWORD not in repr(client)
    client.close()


def test_missing_permission_names_the_command(secured: RedisProcess) -> None:
    url = f"redis://limited:lim-pw@127.0.0.1:{secured.port}/0"
    with pytest.raises(AuthenticationFailedError, match="not allowed to run 'ping'") as info:
        connect(url)
    assert "lim-pw" not in str(info.value)


def test_translate_redis_error_scrubs_the_password() -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:1/0"
    error = translate_redis_error(redis.exceptions.ResponseError(f"odd {PASSWORD}"), url)
    assert type(error) is JobctlError and PASSWORD not in str(error)
    refused = translate_redis_error(redis.exceptions.ConnectionError("Error 111 ..."), url)
    assert (
        str(refused) == "cannot connect to Redis at redis://:***@127.0.0.1:1/0: connection refused"
    )


def test_a_one_letter_password_is_masked_only_where_a_password_can_stand() -> None:
    url = "redis://shorty:c@127.0.0.1:1/0"
    refused = translate_redis_error(
        redis.exceptions.NoPermissionError(
            "User shorty has no permissions to run the 'hset' command"), url)
    assert str(refused) == (
        "Redis user 'shorty' at redis://shorty:***@127.0.0.1:1/0 is not allowed to run 'hset': "
        "User shorty has no permissions to run the 'hset' command"
    )
    echoed = translate_redis_error(redis.exceptions.ResponseError(
        "cannot connect with c to redis://shorty:c@h:1/0?password=c (password=c)"), url)
    assert str(echoed) == (
        "Redis error at redis://shorty:***@127.0.0.1:1/0: cannot connect with *** to "
        "redis://shorty:***@h:1/0?password=*** (password=***)"
    )


def test_a_long_password_is_masked_wherever_it_occurs() -> None:
    secret = "correct-horse-battery-staple/@"
    quoted = "correct-horse-battery-staple%2F%40"
    url = f"redis://:{quoted}@127.0.0.1:1/0"
    error = translate_redis_error(redis.exceptions.ResponseError(
        f"x{secret}y and x{quoted}y, AUTH {secret}"), url)
    text = str(error)
    assert secret not in text and quoted not in text and "correct-horse" not in text
    assert text.endswith("x***y and x***y, AUTH ***"), text


def test_get_default_connection_is_cached(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("JOBCTL_REDIS_URL", redis_url)
    first = get_default_connection()
    assert get_default_connection() is first
    assert first.ping() is True
    with warnings.catch_warnings():  # Python >= 3.12 warns about fork with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child must not reuse the parent's sockets
        code = 1
        with contextlib.suppress(BaseException):
            child = get_default_connection()
            code = 0 if child is not first and child.ping() else 1
        os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert first.ping() is True


def _make_certs(directory: Path) -> bool:
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        return False
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True, check=False,
    )  # fmt: skip
    return done.returncode == 0


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RedisProcess, int, Path]]:
    directory = tmp_path_factory.mktemp("tls")
    if not _make_certs(directory):
        pytest.skip("openssl is not available to make a test certificate")
    tls_port = _free_port()
    config = [f"tls-port {tls_port}", f"tls-cert-file {directory / 'cert.pem'}",
              f"tls-key-file {directory / 'key.pem'}", "tls-auth-clients no"]  # fmt: skip
    server = RedisProcess(config)
    try:
        server.start()
    except JobctlError:
        pytest.skip("this redis-server was built without TLS")
    with server:
        yield server, tls_port, directory / "cert.pem"


def test_tls_mismatches_hint_at_the_scheme(tls_server: tuple[RedisProcess, int, Path]) -> None:
    server, tls_port, _ = tls_server
    for url in (f"redis://127.0.0.1:{tls_port}/0", f"rediss://127.0.0.1:{server.port}/0"):
        started = time.monotonic()
        with pytest.raises(
            ConnectionUnavailableError, match=r"redis://.*rediss://|rediss://.*redis://"
        ):
            connect(url)
        assert time.monotonic() - started < 5.0


def test_tls_verifies_certificates(tls_server: tuple[RedisProcess, int, Path]) -> None:
    _, tls_port, ca = tls_server
    with pytest.raises(ConnectionUnavailableError, match="certificate verification failed"):
        connect(f"rediss://127.0.0.1:{tls_port}/0")
    client = connect(f"rediss://127.0.0.1:{tls_port}/0?ssl_ca_certs={ca}")
    assert client.ping() is True
    client.close()
