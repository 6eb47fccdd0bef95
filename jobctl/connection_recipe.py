"""A picklable recipe for a Redis client like a given one, for processes that did not inherit it.

The fork server's work-horses never saw the worker's client object: they rebuild an equivalent
one from its class names and plain connection settings, and only when the job talks to Redis
(building it imports redis-py, which the fork server leaves out to stay small).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis import Redis

_PLAIN = (type(None), bool, int, float, str, bytes)

_REBUILT_BY_REDIS_PY = frozenset({
    "retry", "driver_info", "himport_registry", "maint_notifications_pool_handler",
    "maint_notifications_config", "socket_keepalive_options", "event_dispatcher",
})
"""Settings redis-py fills with objects of its own when a client is made; a rebuilt client
gets fresh ones. Any other setting that is not plain data (a credential provider, an SSL
context, a connect hook) cannot be copied, and then there is no recipe."""


def _plain(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


def _dotted(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _load(dotted: str) -> Any:
    module, _, name = dotted.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


@dataclass(frozen=True)
class ConnectionRecipe:
    client_class: str
    connection_class: str
    settings: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, connection: Redis) -> ConnectionRecipe | None:
        """The recipe for ``connection``, or None when a setting cannot be carried over."""
        pool = getattr(connection, "connection_pool", None)
        kwargs = getattr(pool, "connection_kwargs", None)
        connection_class = getattr(pool, "connection_class", None)
        if not isinstance(kwargs, dict) or not isinstance(connection_class, type):
            return None
        settings = {}
        for name, value in kwargs.items():
            if _plain(value):
                settings[name] = value
            elif name not in _REBUILT_BY_REDIS_PY:
                return None
        return cls(_dotted(type(connection)), _dotted(connection_class), settings)

    def connect(self) -> Redis:
        """A new client with the recipe's settings (its pool connects on first command)."""
        import redis

        pool = redis.ConnectionPool(connection_class=_load(self.connection_class),
                                    **self.settings)
        client: Redis = _load(self.client_class)(connection_pool=pool)
        return client
