"""The Neo4j driver library, imported without pandas and pyarrow, for short commands.

``import neo4j`` probes for its optional dependencies at import time
(``neo4j/_optional_deps.py``: ``with suppress(ImportError): import pandas``, the same for
pyarrow), so that it can take pandas and pyarrow values as query parameters. Both are
installed (the app shows tables with pandas), and importing them is about a third of the
CPU of a ``cluegraph load media`` of one picture (issue 13, docs/ingestion.md). ClueGraph
never passes a pandas or pyarrow value to the driver (graph/ does not import either), so
the CLI imports the driver with both hidden from that probe: :func:`import_lean`.

numpy stays visible (it is imported anyway, and the driver then takes numpy scalars as
parameters). ``Result.to_df`` still works: it imports pandas itself when called. A process
that imported pandas before the driver (the app) is unaffected.
"""

from __future__ import annotations

import sys

#: Hidden from the driver's optional-dependency probe.
HIDDEN = ("pandas", "pyarrow")


def import_lean() -> None:
    """Import ``neo4j`` (once per process) without its probe importing pandas/pyarrow.

    A ``None`` entry in ``sys.modules`` makes ``import pandas`` raise ImportError, which
    the probe suppresses; the entries are removed afterwards, so a later ``import pandas``
    by anyone works as usual."""
    if "neo4j" in sys.modules:
        return
    hidden = [m for m in HIDDEN if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]
    try:
        import neo4j  # noqa: F401
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
