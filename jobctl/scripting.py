"""The Lua scripts in ``jobctl/scripts/``, loaded once and run by SHA, one named object each.

Scripts that share Lua (``_claim.lua``, ``_dependents.lua``) get those preludes prepended, so
shared code lives in one file while every script stays a single EVALSHA.
"""

from __future__ import annotations

import hashlib
import os
import weakref
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from redis import ConnectionPool, Redis
from redis.connection import Connection
from redis.exceptions import (
    AuthenticationError,
    ConnectionError,
    NoScriptError,
    ResponseError,
    TimeoutError,
)

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
    """A script sent once per Redis server and then called by its SHA (one round trip).

    ``keep_connection``: calls of this script keep their connection for the next one (see
    :class:`_KeptConnections`); for the hot paths: a producer's enqueue, a worker's claim, start
    and settle.
    """

    def __init__(self, name: str, keep_connection: bool = False) -> None:
        self.name = name
        self.keep_connection = keep_connection
        self.source = _source(name)
        self.sha = hashlib.sha1(self.source.encode()).hexdigest()
        self._sha = self.sha.encode()

    def __call__(self, client: Redis, keys: list[str], args: list[Any]) -> Any:
        try:
            return _call(client, [b"EVALSHA", self.sha, len(keys), *keys, *args],
                         self.keep_connection)
        except NoScriptError:
            return client.eval(self.source, len(keys), *keys, *args)

    def call_encoded(self, client: Redis, nkeys: int, keys: bytes, nargs: int, args: bytes
                     ) -> Any:
        """Like calling the script, with KEYS and ARGV already encoded (see :meth:`command`);
        an error reply is raised."""
        [reply] = self.run_commands(client, [self.command(nkeys, keys, nargs, args)])
        return reply

    def command(self, nkeys: int, keys: bytes, nargs: int, args: bytes) -> bytes:
        """The EVALSHA command for KEYS and ARGV already encoded (each a run of :func:`bulk`),
        for callers that build arguments on a hot path without a list per argument."""
        numkeys = b"%d" % nkeys
        return b"*%d\r\n$7\r\nEVALSHA\r\n$40\r\n%b\r\n$%d\r\n%b\r\n%b%b" % (
            3 + nkeys + nargs, self._sha, len(numkeys), numkeys, keys, args)

    def run_commands(self, client: Redis, commands: list[bytes]) -> list[Any]:
        """Send EVALSHA commands of this script in one round trip; replies in order.

        When the server does not have the script yet, it is loaded and only the calls that
        were refused are sent again (the others ran: sending them twice would run them twice).
        """
        replies = _call_many(client, commands, self.keep_connection)
        for reply in replies:
            if isinstance(reply, Exception):
                break
        else:
            return replies  # the common case, checked in one pass
        refused = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if refused:
            client.script_load(self.source)
            again = _call_many(client, [commands[i] for i in refused], self.keep_connection)
            for i, reply in zip(refused, again, strict=True):
                replies[i] = reply
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies

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


def bulk(value: bytes) -> bytes:
    """One argument of a command in RESP form."""
    return b"$%d\r\n%b\r\n" % (len(value), value)


def bulk_strings(values: Iterable[str]) -> bytes:
    """Several text arguments in RESP form, one after the other (keys, queue names)."""
    return b"".join([bulk(value.encode()) for value in values])


def _pack(parts: list[Any]) -> bytes:
    """One RESP command; the scripts' arguments are all bytes, text or numbers."""
    out = [b"*%d\r\n" % len(parts)]
    append = out.append
    for part in parts:
        kind = type(part)
        if kind is str:  # keys and ids: most of a worker's arguments
            part = part.encode()
        elif kind is not bytes:
            part = _encode(part)
        append(b"$%d\r\n%b\r\n" % (len(part), part))
    return b"".join(out)


def _call(client: Redis, parts: list[Any], keep_connection: bool = False) -> Any:
    """Send one command on a pooled connection and read its reply.

    The hot path of every job runs through here: redis-py's generic command machinery
    (argument encoding, retries, observability hooks) cost more client CPU than the
    round trip itself. Like the clients jobctl builds, a dropped connection (a stale socket
    after a Redis restart) is retried once on a fresh one; other errors propagate.
    """
    [reply] = _call_many(client, [_pack(parts)], keep_connection)
    if isinstance(reply, ResponseError):
        raise reply
    return reply


def _call_many(client: Redis, commands: list[bytes], keep_connection: bool = False
               ) -> list[Any]:
    """Send packed commands in one round trip and read every reply; an error reply (read
    whole, so the connection stays usable) is returned in its place."""
    pool = client.connection_pool
    idle = _KEPT.idle(pool) if keep_connection else None
    for attempt in (1, 2):
        # A retry takes a connection the pool has checked: other kept ones may be as stale.
        try:
            connection = idle.pop() if idle and attempt == 1 else None
        except IndexError:  # another thread took the last one
            connection = None
        if connection is None:
            connection = pool.get_connection()
        try:
            connection.send_packed_command(commands)
            replies = []
            for _ in commands:
                try:
                    replies.append(connection.read_response())
                except ResponseError as exc:
                    replies.append(exc)
        except (ConnectionError, TimeoutError) as exc:
            connection.disconnect()
            pool.release(connection)
            if attempt == 2 or isinstance(exc, TimeoutError | AuthenticationError):
                raise
        except BaseException:
            connection.disconnect()  # the reply may still be on the wire
            pool.release(connection)
            raise
        else:
            if idle is None or len(idle) >= min(_KEEP_IDLE, pool.max_connections // 10):
                pool.release(connection)
            else:
                idle.append(connection)
            return replies
    raise AssertionError("unreachable")


class _KeptConnections:
    """Connections jobctl keeps out of a redis-py pool between its own script calls.

    Borrowing from redis-py's pool costs a producer more client CPU than the rest of its
    side of an enqueue: a lock, metrics, and three system calls checking the connection for
    unread data. A connection jobctl used is known to be clean (any error disconnects it), so
    after a call it goes on a short list of idle connections kept per pool, and the next call
    takes it from there. The pool still counts it as in use: ``pool.disconnect()`` closes it
    (the next call reconnects), and at most a tenth of the pool's limit (four by default) is
    kept idle; the rest go back. Only redis-py's plain ConnectionPool is used this way
    (a BlockingConnectionPool waits for connections, a Sentinel pool chooses servers). A
    forked child forgets its parent's: two processes must never share a socket.
    """

    def __init__(self) -> None:
        self._idle: weakref.WeakKeyDictionary[ConnectionPool, list[Connection]] = (
            weakref.WeakKeyDictionary()
        )
        self._last: tuple[Callable[[], ConnectionPool | None], list[Connection]] = _NO_POOL
        """The pool asked for last (by weak reference) and its list: a producer uses one."""
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        # Dropped, not disconnected: closing the child's copy leaves the parent's socket open.
        self._idle = weakref.WeakKeyDictionary()
        self._last = _NO_POOL

    def idle(self, pool: ConnectionPool) -> list[Connection] | None:
        """The pool's idle kept connections (a list to take from and add to), or None when
        connections of this pool are not kept."""
        last_pool, idle = self._last
        if last_pool() is pool:
            return idle
        if type(pool) is not ConnectionPool:
            return None
        found = self._idle.setdefault(pool, [])
        self._last = (weakref.ref(pool), found)
        return found


def _no_pool() -> None:
    return None


_NO_POOL: tuple[Callable[[], ConnectionPool | None], list[Connection]] = (_no_pool, [])


_KEEP_IDLE = 4
_KEPT = _KeptConnections()

ENQUEUE = LuaScript("enqueue", keep_connection=True)
# A worker's own calls, once or twice per job: kept too.
CLAIM = LuaScript("claim", keep_connection=True)
CLAIM_JOB = LuaScript("claim_job")
START = LuaScript("start", keep_connection=True)
FINISH = LuaScript("finish", keep_connection=True)
FAIL = LuaScript("fail", keep_connection=True)
REQUEUE = LuaScript("requeue")
CANCEL = LuaScript("cancel")
DELETE = LuaScript("delete")
REMOVE_QUEUED = LuaScript("remove_queued")
RELEASE_SCHEDULED = LuaScript("release_scheduled")
REQUEUE_ABANDONED = LuaScript("requeue_abandoned")
UNCLAIM = LuaScript("unclaim")
