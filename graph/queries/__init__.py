"""Catalog of named queries: one ``.cypher`` file per question, one function per file.

``queries.series_sharing_camera()`` returns the text of ``series_sharing_camera.cypher``.
Each file opens with a header of ``//`` lines: what it answers, its parameters and what
it returns. :func:`header` gives the header, :func:`names` every query.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources


@cache
def _files() -> dict[str, str]:
    root = resources.files(__name__)
    return {
        p.name[: -len(".cypher")]: p.read_text(encoding="utf-8")
        for p in root.iterdir()
        if p.name.endswith(".cypher")
    }


def names() -> list[str]:
    """Every query in the catalog, sorted."""
    return sorted(_files())


def text(name: str) -> str:
    """The text of query ``name`` (KeyError if there is none)."""
    try:
        return _files()[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in graph/queries") from None


def header(name: str) -> list[str]:
    """The leading ``//`` comment lines of query ``name``, without the slashes."""
    out = []
    for line in text(name).splitlines():
        if not line.startswith("//"):
            break
        out.append(line[2:].strip())
    return out


def __getattr__(name: str) -> Callable[[], str]:
    """``queries.NAME()``: the text of ``NAME.cypher``; AttributeError for no such file.

    The names the code uses are checked against the files by
    ``tests/graph/test_queries_catalog.py``, which reads them from the source.
    """
    if name.startswith("__") or name not in _files():
        raise AttributeError(name)

    def query() -> str:
        return text(name)

    query.__name__ = name
    query.__doc__ = "\n".join(header(name))
    return query
