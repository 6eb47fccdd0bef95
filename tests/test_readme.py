"""The README's examples run as written: the library snippet and the tour from the shell."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import redis

from jobctl.job import Job
from jobctl.queue import Queue
from tests.cli_support import JOBCTL, REPO, cli_env

README = (REPO / "README.md").read_text()
NOTIFIED = "readme:notified"
ALERTED = "readme:alerted"


def section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end >= 0 else None]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


# The README's callbacks: "your functions", importable (as tests.test_readme.notify/alert).
def notify(job: Any, connection: Any, result: Any, *args: Any, **kwargs: Any) -> None:
    connection.rpush(NOTIFIED, f"{job.id}:{result}")


def alert(job: Any, connection: Any, exc_type: Any, value: Any, tb: Any) -> None:
    connection.rpush(ALERTED, job.id)


def test_library_snippet_runs_as_written(
    connection: redis.Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    [code] = code_blocks(section("The library"), "python")
    assert code.count("Redis()") == 1
    code = code.replace("Redis()", "Redis.from_url(REDIS_URL)")
    monkeypatch.syspath_prepend(str(REPO / "examples"))  # `from tasks import ...`
    monkeypatch.delitem(sys.modules, "tasks", raising=False)
    # Run as an importable module, as the snippet says @job functions must be (not __main__).
    module = types.ModuleType("readme_snippet")
    module.__dict__.update(REDIS_URL=redis_url, notify=notify, alert=alert)
    monkeypatch.setitem(sys.modules, "readme_snippet", module)
    exec(compile(code, "README.md (The library)", "exec"), module.__dict__)
    sys.modules.pop("tasks", None)
    ns = module.__dict__

    # the promises in its comments
    j: Job = ns["j"]
    assert j.result == 5
    assert ns["q"].failed_job_registry.get_job_ids() == []
    [added] = connection.lrange(NOTIFIED, 0, -1)
    assert added.endswith(b":8")  # add(4, 4) succeeded and called notify
    assert connection.llen(ALERTED) == 0
    low = Queue("low", connection=connection)
    [delayed] = low.jobs  # mul.delay(3, 4) waits on "low": the burst worker took "default"
    assert (delayed.func_name, delayed.args, delayed.timeout) == ("readme_snippet.mul", (3, 4), 5)
    # the last line emptied and deleted the default queue (finished jobs keep their results)
    assert Queue(connection=connection).count == 0
    assert not connection.exists(Queue(connection=connection).key)


def test_the_tour_runs_as_written(redis_url: str, connection: redis.Redis,
                                  tmp_path: Path) -> None:
    """Every command of "A tour from the shell", in a copy of examples/ where the FIX is applied
    at the point the tour says so."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    tour = section("A tour from the shell")
    setup, commands = code_blocks(tour, "sh")
    assert "cd examples" in setup and "export PATH=$PWD/../.venv/bin:$PATH" in setup
    examples = tmp_path / "examples"
    shutil.copytree(REPO / "examples", examples)
    uncomment = "sed -i 's/^\\( *\\)# \\(.*# FIX\\)/\\1\\2/' tasks.py"
    fix = f"{uncomment} && grep -q '^ *text = .*# FIX' tasks.py"
    script = ["set -euo pipefail", f"cd {examples}", f"export PATH={JOBCTL.parent}:$PATH"]
    for line in commands.strip().splitlines():
        if line.startswith("# fix the code"):
            script.append(fix)
            continue
        command = line.split("  #")[0].strip()
        script.append(f"echo '>>> {command}' >&2")
        script.append(command)
    proc = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True,
                          env=cli_env(JOBCTL_REDIS_URL=redis_url), timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # what the comments promise
    assert re.search(r"^ValueError: could not convert string to float: '12,50'$", out, re.M)
    assert re.search(r"would requeue 1 failed job in 'shop'\n[0-9A-Za-z]{22}\n", out)
    assert "requeued 1 job" in proc.stderr
    assert "\n12.5\n" in out
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[-2:]}
    assert set(rows) == {"default", "shop"}  # `jobctl info`: counts per queue and status
    assert "    # text = text.replace" in (REPO / "examples" / "tasks.py").read_text()  # untouched
