"""The Lua scripts in ``jobctl/scripts/``, loaded once and run by SHA, one named object each.

Scripts that share Lua (``_claim.lua``, ``_dependents.lua``) get those preludes prepended, so
shared code lives in one file while every script stays a single EVALSHA.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from redis import Redis
from redis.exceptions import NoScriptError

_PRELUDES = {
    "claim": ("_claim",),
    "finish": ("_dependents", "_claim"),
    "fail": ("_dependents", "_claim"),
}
"""Shared Lua each script needs, prepended in order (a script is still one EVALSHA)."""


def _source(name: str) -> str:
    folder = resources.files("jobctl") / "scripts"
    parts = [(folder / f"{prelude}.lua").read_text() for prelude in _PRELUDES.get(name, ())]
    return "\n".join([*parts, (folder / f"{name}.lua").read_text()])


class LuaScript:
    """A script sent once per Redis server and then called by its SHA (one round trip)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.source = _source(name)
        self.sha = hashlib.sha1(self.source.encode()).hexdigest()

    def __call__(self, client: Redis, keys: list[str], args: list[Any]) -> Any:
        try:
            return client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return client.eval(self.source, len(keys), *keys, *args)

    def run_many(self, client: Redis, calls: list[tuple[list[str], list[Any]]]) -> list[Any]:
        """Run the script once per (keys, args) in one pipelined round trip."""
        for attempt in range(2):
            pipe = client.pipeline(transaction=False)
            for keys, args in calls:
                pipe.evalsha(self.sha, len(keys), *keys, *args)
            replies = pipe.execute(raise_on_error=False)
            if not any(isinstance(r, NoScriptError) for r in replies) or attempt:
                break
            client.script_load(self.source)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return list(replies)

    def __repr__(self) -> str:
        return f"<LuaScript {self.name}>"


ENQUEUE = LuaScript("enqueue")
CLAIM = LuaScript("claim")
CLAIM_JOB = LuaScript("claim_job")
START = LuaScript("start")
FINISH = LuaScript("finish")
FAIL = LuaScript("fail")
REQUEUE = LuaScript("requeue")
CANCEL = LuaScript("cancel")
DELETE = LuaScript("delete")
REMOVE_QUEUED = LuaScript("remove_queued")
RELEASE_SCHEDULED = LuaScript("release_scheduled")
REQUEUE_ABANDONED = LuaScript("requeue_abandoned")
UNCLAIM = LuaScript("unclaim")
