"""What the global options decide, put on the Typer context once and shared by every command.

The connection is opened lazily, so a command that fails validation never touches Redis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from redis import Redis

from jobctl.cli.output import Output
from jobctl.keys import Keys


@dataclass
class CliState:
    """Global options, and the connection opened on first use."""

    url: str | None = None
    namespace: str | None = None
    serializer: str | None = None
    output: Output = field(default_factory=Output)
    _connection: Redis | None = None
    _url_used: str | None = None

    def connect(self, purpose: str = "client") -> Redis:
        if self._connection is None:
            from jobctl.connection import connect, resolve_url

            resolved = resolve_url(self.url)
            self._url_used = resolved.url
            self._connection = connect(resolved, purpose=purpose,  # type: ignore[arg-type]
                                       announce=self.output.info)
        return self._connection

    @property
    def url_used(self) -> str | None:
        """The URL actually connected to (for masking in messages), once connected."""
        return self._url_used

    @property
    def keys(self) -> Keys:
        from jobctl.connection import resolve_namespace

        return Keys(resolve_namespace(self.namespace))


def get_state(ctx: typer.Context) -> CliState:
    """The CliState of the running command (a default one when a sub-app is run alone)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
