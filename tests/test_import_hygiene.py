"""The library never pulls in the CLI's or the TUI's dependencies (architecture.md)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

HEAVY = ("typer", "textual", "rich", "click")


def _loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` are in sys.modules after ``statement``, in a fresh interpreter."""
    code = (
        f"import json, sys; {statement}; "
        f"print(json.dumps([m for m in {list(modules)!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "statement",
    ["import jobctl", "from jobctl import Queue, Worker, job, Retry, Callback",
     "import jobctl.embedded, jobctl.connection, jobctl.worker"],
)
def test_the_library_loads_no_cli_or_tui_dependency(statement):
    assert _loaded_after(statement, HEAVY) == []


def test_the_library_does_not_import_the_cli():
    assert _loaded_after("import jobctl", ("jobctl.cli", "jobctl_tui")) == []


@pytest.mark.parametrize("module", ["jobctl.cli", "jobctl.cli.app"])
def test_the_cli_does_not_load_textual(module):
    """Shell completion runs the CLI on every TAB; Textual alone costs ~0.4 s."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet")
    assert _loaded_after(f"import {module}", ("textual", "jobctl_tui")) == []


def test_the_import_contract_lists_every_library_module():
    """import-linter only checks the modules it is told about: a new module must be listed."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())
    contract = config["tool"]["importlinter"]["contracts"][0]
    modules = {f"jobctl.{p.stem}" for p in (root / "jobctl").glob("*.py") if p.stem != "__init__"}
    assert modules - set(contract["source_modules"]) == set()
