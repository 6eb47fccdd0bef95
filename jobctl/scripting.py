"""The Lua scripts in ``jobctl/scripts/``, loaded once and run by SHA, one named object each.

Scripts that share Lua (``_claim.lua``, ``_dependents.lua``) get those preludes prepended, so
shared code lives in one file while every script stays a single EVALSHA.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from redis import Redis
from redis.exceptions import AuthenticationError, ConnectionError, NoScriptError, TimeoutError

_PRELUDES = {
    "claim": ("_claim",),
    "start": ("_claim",),
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
            return _call(client, [b"EVALSHA", self.sha, len(keys), *keys, *args])
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


def _encode(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value).encode()
    raise TypeError(f"cannot send {type(value).__name__} to Redis")


def _pack(parts: list[Any]) -> bytes:
    """One RESP command; the scripts' arguments are all bytes, text or numbers."""
    encoded = [_encode(part) for part in parts]
    return b"".join([b"*%d\r\n" % len(encoded),
                     *(b"$%d\r\n%b\r\n" % (len(item), item) for item in encoded)])


def _call(client: Redis, parts: list[Any]) -> Any:
    """Send one command on a pooled connection and read its reply.

    The hot path of every job runs through here: redis-py's generic command machinery
    (argument encoding, retries, observability hooks) cost more client CPU than the
    round trip itself. Like the clients jobctl builds, a dropped connection (a stale socket
    after a Redis restart) is retried once on a fresh one; other errors propagate.
    """
    packed = _pack(parts)
    pool = client.connection_pool
    for attempt in (1, 2):
        connection = pool.get_connection()
        try:
            connection.send_packed_command([packed])
            return connection.read_response()
        except (ConnectionError, TimeoutError) as exc:
            connection.disconnect()
            if attempt == 2 or isinstance(exc, TimeoutError | AuthenticationError):
                raise
        except BaseException:
            connection.disconnect()  # the reply may still be on the wire
            raise
        finally:
            pool.release(connection)
    raise AssertionError("unreachable")


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
