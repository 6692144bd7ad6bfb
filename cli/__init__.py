"""The ``cluegraph`` command: thin, it parses, calls ``graph``/``loaders`` and prints.

:func:`main` is the entry point. It imports nothing heavy itself: a command that a warm
helper of this checkout can run (:mod:`cli.warm`, started by ``cluegraph db start``) is
handed to it and runs there, with the caller's terminal, directory and environment; any
other command, or every command when no helper answers, runs here (:mod:`cli.root`, the
typer application). ``from cli import app`` (and ``leave``, ``GROUPS``, ``COMMANDS``)
still work: they are read from :mod:`cli.root` on first use.
"""

from __future__ import annotations

import sys
from typing import Any

#: Names read from :mod:`cli.root` when asked for (PEP 562).
_ROOT_NAMES = frozenset({"app", "leave", "GROUPS", "COMMANDS", "LazyGroup"})


def main() -> None:
    from cli import warm

    code = warm.forward(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from cli import root

    root.main()


def __getattr__(name: str) -> Any:
    if name in _ROOT_NAMES:
        from cli import root

        return getattr(root, name)
    raise AttributeError(f"module 'cli' has no attribute {name!r}")
