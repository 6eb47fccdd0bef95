"""``jobctl top``: the command wires the global connection options into the app, and loading
the CLI does not load Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from jobctl.cli.state import CliState
from jobctl.cli.top import top
from jobctl_tui import JobctlApp, ReadOnlySource, RedisSource


def tiny_cli() -> typer.Typer:
    """Just the root options ``top`` relies on (the real root lives in jobctl.cli.app)."""
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context, url: str = typer.Option(None, "--url"),
             namespace: str = typer.Option(None, "--namespace")) -> None:
        ctx.obj = CliState(url=url, namespace=namespace)

    app.command()(top)
    return app


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[JobctlApp]:
    apps: list[JobctlApp] = []
    monkeypatch.setattr(JobctlApp, "run", lambda self, *a, **k: apps.append(self))
    return apps


def test_top_runs_the_app_on_the_given_redis(redis_url: str, started) -> None:
    result = CliRunner().invoke(
        tiny_cli(), ["--url", redis_url, "--namespace", "prod", "top", "--interval", "1"])
    assert result.exit_code == 0, result.output
    (app,) = started
    assert isinstance(app.source, RedisSource)
    assert app.source.url == redis_url and app.source.namespace == "prod"
    assert app.poller.interval == 1.0 and not app.readonly


def test_top_readonly_wraps_the_source(redis_url: str, started) -> None:
    result = CliRunner().invoke(tiny_cli(), ["--url", redis_url, "top", "--readonly"])
    assert result.exit_code == 0, result.output
    (app,) = started
    assert app.readonly and isinstance(app.source, ReadOnlySource)
    assert app.poller.interval == 2.0


def test_the_url_shown_has_its_password_masked(connection) -> None:
    from jobctl.keys import Keys

    source = RedisSource(connection, Keys(), "redis://user:s3cret@127.0.0.1:6379/0")
    assert source.url == "redis://user:***@127.0.0.1:6379/0"


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(tiny_cli(), ["top", "--help"])
    assert result.exit_code == 0
    assert "Example: jobctl top --interval 1" in result.output
    assert "--readonly" in result.output and "--interval" in result.output


def test_the_cli_does_not_import_textual() -> None:
    code = ("import sys, jobctl.cli.top; "
            "assert 'textual' not in sys.modules and 'jobctl_tui' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
