"""Making job code importable from the command line, as the worker will import it."""

from __future__ import annotations

import os
import sys


def add_import_paths(paths: list[str] | None) -> None:
    """Put the current directory and each ``--path`` first on ``sys.path`` (once each)."""
    for entry in [os.getcwd(), *(os.path.abspath(p) for p in paths or [])]:
        if entry not in sys.path:
            sys.path.insert(0, entry)
