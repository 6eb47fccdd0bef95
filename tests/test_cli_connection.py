"""Connecting: bad URLs (row 9), Redis down or silent (10, 11), TLS mix-ups (12), passwords
and ACLs (13, 14), and that no password ever shows in any output or log line."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from jobctl.embedded import RedisProcess
from jobctl.exceptions import EmbeddedServerError
from tests.cli_support import (
    Result,
    Runner,
    cli_env,
    cli_fixture,  # noqa: F401
    redis_state,
    run_exe,
    worker_process,
)

PASSWORD = "s3cret-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def one_error_line(result: Result, code: int, *fragments: str) -> str:
    assert result.code == code, result
    assert result.out == ""
    [line] = result.err_lines
    assert line.startswith("jobctl: error: ")
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


@pytest.fixture(scope="module")
def protected() -> Iterator[RedisProcess]:
    """A Redis with a password (and, later, ACL users), private to this module."""
    with RedisProcess(extra_config=[f"requirepass {PASSWORD}"]) as server:
        yield server


@pytest.fixture
def protected_url(protected: RedisProcess) -> str:
    client = redis.Redis(port=protected.port, password=PASSWORD)
    client.flushall()
    client.close()
    return f"redis://:{PASSWORD}@127.0.0.1:{protected.port}/0"


# --------------------------------------------------------------------------- row 9


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://h:6379", "unknown scheme 'http'; accepted: redis://, rediss://, unix://"),
        ("localhost:6379", "missing scheme"),
        (f"redis://:{PASSWORD}@:6379/abc", "missing host; db must be a number"),
        ("ftp://x/", "unknown scheme 'ftp'"),
        ("redis://127.0.0.1:99999/0", "port must be a number from 1 to 65535"),
        (f"redis://u:{PASSWORD}@h/0#frag", "unexpected '#' fragment"),
        (f"redis://h:6379/0?password={PASSWORD}", "unsupported query parameter(s): password"),
        ("redis://h:6379/0 extra", "contains whitespace"),
        ("", ""),
    ],
)
def test_row9_invalid_urls(cli: Runner, connection: redis.Redis, url: str, reason: str) -> None:
    before = redis_state(connection)
    result = cli("enqueue", "tests.jobs.add", url=None) if not url else cli(
        "--url", url, "enqueue", "tests.jobs.add", url=None)
    if not url:  # an empty --url means "not given": nothing is configured in the tests
        assert result.code == 3
        assert "pass --url or set JOBCTL_REDIS_URL" in result.err
        return
    line = one_error_line(result, 2, "invalid Redis URL ", reason)
    assert PASSWORD not in line
    if PASSWORD in url and "?" not in url:
        assert ":***@" in line
    assert redis_state(connection) == before


def test_row9_invalid_url_from_the_environment(connection: redis.Redis) -> None:
    result = run_exe(["jobs"], env=cli_env(JOBCTL_REDIS_URL=f"http://:{PASSWORD}@h:1"))
    one_error_line(result, 2, "invalid Redis URL http://:***@h:1 (from JOBCTL_REDIS_URL): "
                              "unknown scheme 'http'")
    assert PASSWORD not in result.err
    from_redis_url = run_exe(["jobs"], env=cli_env(REDIS_URL="localhost:6379"))
    one_error_line(from_redis_url, 2, "invalid Redis URL localhost:6379 (from REDIS_URL): "
                                      "missing scheme")
    # --url wins over the environment, and names no source: the user just typed it
    explicit = run_exe(["--url", "http://h:1", "jobs"], env=cli_env(JOBCTL_REDIS_URL="x"))
    one_error_line(explicit, 2, "invalid Redis URL http://h:1: unknown scheme 'http'")
    help_text = " ".join(run_exe(["--help"]).out.split())
    assert "Default: $JOBCTL_REDIS_URL, else $REDIS_URL" in help_text


# --------------------------------------------------------------------------- rows 10-12


def test_row10_redis_not_listening_fails_fast(cli: Runner) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    result = cli("jobs", url=url)
    one_error_line(result, 3, f"cannot connect to Redis at {url}: connection refused")
    assert result.elapsed < 1.0
    from_exe = run_exe(["--url", url, "enqueue", "tests.jobs.add"])
    one_error_line(from_exe, 3, "connection refused")
    assert from_exe.elapsed < 2.5  # interpreter start-up included (and a busy machine)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for sock in accepted:
            sock.close()
        server.close()


def test_row11_host_that_never_answers(cli: Runner, silent_server: int) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{silent_server}/0"
    result = cli("jobs", url=url)
    line = one_error_line(result, 3, f"timed out connecting to redis://:***@127.0.0.1:"
                                     f"{silent_server}/0")
    assert PASSWORD not in line
    assert result.elapsed < 5.0


def test_row12_rediss_to_a_plain_port(cli: Runner, redis_url: str) -> None:
    tls_url = redis_url.replace("redis://", "rediss://")
    result = cli("queues", url=tls_url)
    one_error_line(result, 3, "redis://", "rediss://")
    assert result.elapsed < 5.0


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisProcess, int,
                                                                             Path]]:
    """A Redis with a TLS port and a self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a certificate for a TLS Redis")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True, timeout=60,
    )
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {made.stderr[-200:]!r}")
    port = free_port()
    server = RedisProcess(extra_config=[f"tls-port {port}", f'tls-cert-file "{cert}"',
                                        f'tls-key-file "{key}"', "tls-auth-clients no"])
    try:
        server.start()
    except EmbeddedServerError as exc:
        pytest.skip(f"this redis-server cannot serve TLS: {exc}")
    try:
        yield server, port, cert
    finally:
        server.stop()


def test_row12_redis_to_a_tls_port(cli: Runner, tls_server: tuple[RedisProcess, int, Path]
                                   ) -> None:
    _, port, _ = tls_server
    result = cli("queues", url=f"redis://127.0.0.1:{port}/0")
    one_error_line(result, 3, "use rediss:// instead of redis://")
    assert result.elapsed < 5.0


def test_rediss_with_a_private_ca(cli: Runner, tls_server: tuple[RedisProcess, int, Path]
                                  ) -> None:
    _, port, cert = tls_server
    unverified = cli("queues", url=f"rediss://127.0.0.1:{port}/0")
    one_error_line(unverified, 3, "TLS certificate verification failed",
                   "add ?ssl_ca_certs=CA.pem")
    verified = cli("queues", url=f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={cert}")
    assert verified.code == 0, verified


# --------------------------------------------------------------------------- rows 13, 14


def test_row13_wrong_password_and_unknown_user(cli: Runner, protected: RedisProcess,
                                               protected_url: str) -> None:
    port = protected.port
    wrong = cli("jobs", url=f"redis://:not-the-pw@127.0.0.1:{port}/0")
    one_error_line(wrong, 4, "authentication failed for user 'default' at "
                             f"redis://:***@127.0.0.1:{port}/0")
    unknown = cli("jobs", url=f"redis://nobody:{PASSWORD}@127.0.0.1:{port}/0")
    one_error_line(unknown, 4, "authentication failed for user 'nobody'")
    missing = cli("jobs", url=f"redis://127.0.0.1:{port}/0")
    one_error_line(missing, 4, "the server requires a password")
    assert PASSWORD not in wrong.err + unknown.err + missing.err
    assert cli("jobs", url=protected_url).code == 0


def test_row13_worker_with_bad_credentials_exits(protected: RedisProcess) -> None:
    result = run_exe(["--url", f"redis://:nope@127.0.0.1:{protected.port}/0", "worker"],
                     timeout=15)
    one_error_line(result, 4, "authentication failed for user 'default'")


@pytest.fixture
def limited_user(protected: RedisProcess, protected_url: str) -> Iterator[str]:
    """A user that may read anything and write nothing."""
    admin = redis.Redis(port=protected.port, password=PASSWORD)
    admin.execute_command("ACL", "SETUSER", "reader", "reset", "on", ">reader-pass-123", "~*",
                          "&*", "+@read", "+ping", "+@connection")
    try:
        yield f"redis://reader:reader-pass-123@127.0.0.1:{protected.port}/0"
    finally:
        admin.execute_command("ACL", "DELUSER", "reader")
        admin.close()


def test_row14_user_without_permissions(cli: Runner, limited_user: str, protected: RedisProcess,
                                        protected_url: str) -> None:
    admin = redis.Redis(port=protected.port, password=PASSWORD)
    before = redis_state(admin)
    enqueue = cli("enqueue", "tests.jobs.add", url=limited_user)
    line = one_error_line(enqueue, 4, "Redis user 'reader' at redis://reader:***@127.0.0.1:",
                          "is not allowed to run '")
    assert "reader-pass-123" not in line
    assert redis_state(admin) == before
    # reading is allowed: listings work, optional calls are skipped silently
    listing = cli("jobs", url=limited_user)
    assert (listing.code, listing.err) == (0, ""), listing
    assert cli("info", "--json", url=limited_user).code == 0
    # a write the user may not do names the refused command
    cli("enqueue", "tests.jobs.add", "-q", "q", url=protected_url)
    pause = cli("queue", "pause", "q", url=limited_user)
    one_error_line(pause, 4, "is not allowed to run '")
    worker = run_exe(["--url", limited_user, "worker", "--burst"], timeout=15)
    assert worker.code == 4, worker
    assert "is not allowed to run '" in worker.err_lines[-1]
    assert "reader-pass-123" not in worker.err + worker.out
    admin.close()


@pytest.mark.parametrize("password", ["c", "a-rather-long-reader-password/with@symbols"])
def test_refusals_keep_their_words_and_hide_short_and_long_passwords(
    cli: Runner, protected: RedisProcess, protected_url: str, password: str
) -> None:
    admin = redis.Redis(port=protected.port, password=PASSWORD)
    admin.execute_command("ACL", "SETUSER", "shorty", "reset", "on", f">{password}", "~*", "&*",
                          "+@read", "+ping", "+@connection")
    try:
        quoted = urllib.parse.quote(password, safe="")
        url = f"redis://shorty:{quoted}@127.0.0.1:{protected.port}/0"
        assert cli("enqueue", "tests.jobs.add", "-q", "q", url=protected_url).code == 0
        line = one_error_line(
            cli("queue", "pause", "q", url=url), 4,
            f"Redis user 'shorty' at redis://shorty:***@127.0.0.1:{protected.port}/0 is not "
            "allowed to run '", "' command",
        )
        assert "***ommand" not in line  # a one-letter password "c" is not masked inside words
        assert not re.search(rf"(?<!\w){re.escape(password)}(?!\w)", line), line
        if len(password) > 1:
            assert password not in line and quoted not in line
        listing = cli("jobs", url=url)
        assert listing.code == 0, listing
    finally:
        admin.execute_command("ACL", "DELUSER", "shorty")
        admin.close()


# --------------------------------------------------------------------------- passwords


def test_passwords_never_appear_in_any_output(
    cli: Runner, protected: RedisProcess, protected_url: str, tmp_path: Path
) -> None:
    port = protected.port
    outputs: list[str] = []

    def run(*args: str, url: str = protected_url) -> Result:
        result = cli(*args, url=url)
        outputs.extend([result.out, result.err])
        return result

    def run_executable(*args: str, **env: str) -> Result:
        result = run_exe(list(args), env=cli_env(**env), timeout=30)
        outputs.extend([result.out, result.err])
        return result

    assert run("enqueue", "tests.jobs.add", "--arg", ":1", "--arg", ":2").code == 0
    failing = run_executable("enqueue", "tests.jobs.fail", "--arg", "boom",
                             JOBCTL_REDIS_URL=protected_url)
    assert failing.code == 0
    with worker_process(["--burst", "--name", "pw-worker"], tmp_path,
                        cli_env(JOBCTL_REDIS_URL=protected_url)) as worker:
        assert worker.wait(20) == 0
    outputs.append(worker.log)
    assert f"jobctl worker: redis redis://:***@127.0.0.1:{port}/0" in worker.log
    for args in (["jobs"], ["jobs", "--json"], ["info"], ["info", "--json"], ["queues"],
                 ["workers"], ["check", "--max-failed", "0"], ["-v", "job", "show", "NOPE"],
                 ["job", "result", failing.out.strip()],
                 ["-v", "job", "result", failing.out.strip()]):
        run(*args)
    bad_urls = [
        f"redis://:wrong-{PASSWORD}@127.0.0.1:{port}/0",
        f"redis://user:{PASSWORD}@127.0.0.1:{port}/0",
        f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0",
        f"rediss://:{PASSWORD}@127.0.0.1:{free_port()}/0",
        f"redis://:{PASSWORD}@127.0.0.1:{port}/x",
        f"http://:{PASSWORD}@127.0.0.1:{port}/0",
        f"redis://127.0.0.1:{port}/0?password={PASSWORD}",
        f"redis://:{PASSWORD}@[::1/0",
        f"unix://:{PASSWORD}@/no/such.sock",
    ]
    for url in bad_urls:
        for verbose in ([], ["-v"]):
            result = run(*verbose, "enqueue", "tests.jobs.add", url=url)
            assert result.code in (2, 3, 4), result
    for url in bad_urls[:3]:
        result = run_executable("--url", url, "worker", "--burst")
        assert result.code in (2, 3, 4), result
    leaks = [text for text in outputs if PASSWORD in text]
    assert leaks == [], leaks[0][:500]
