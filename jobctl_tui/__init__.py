"""``jobctl top``: the terminal dashboard of jobctl, a Textual app over the library's read model.

Imported only when the ``top`` command runs (Textual is slow to import and shell completion
runs the CLI on every TAB).
"""

from __future__ import annotations

from jobctl_tui.app import JobctlApp
from jobctl_tui.models import JobDetail, PageRequest, PollResult
from jobctl_tui.source import DataSource, ReadOnlySource, ReadSource, RedisSource

__all__ = [
    "JobctlApp",
    "DataSource", "ReadSource", "RedisSource", "ReadOnlySource",
    "JobDetail", "PageRequest", "PollResult",
]
