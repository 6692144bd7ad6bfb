"""Catalog of named queries: one ``.cypher`` file per question, one function per file.

``queries.series_sharing_camera()`` returns the text of ``series_sharing_camera.cypher``.
Each file opens with a header of ``//`` lines: what it answers, its parameters and what
it returns. :func:`header` gives the header, :func:`names` every query.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING


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


def _function(name: str) -> Callable[[], str]:
    def query() -> str:
        return text(name)

    query.__name__ = query.__qualname__ = name
    query.__doc__ = "\n".join(header(name))
    return query


#: Helpers of this module: a query file may not take one of these names.
HELPERS = frozenset({"names", "text", "header", "HELPERS"})

# One real function per file, made once at import: ``queries.NAME`` is a plain module
# attribute, and a name with no file is an AttributeError like any other. The names the
# code uses are checked against the files by ``tests/graph/test_queries_catalog.py``.
for _name in _files():
    if _name in HELPERS or not _name.isidentifier():
        raise ImportError(f"graph/queries/{_name}.cypher: not a usable query name")
    globals()[_name] = _function(_name)
del _name

if TYPE_CHECKING:  # the type checker cannot see the files: every other name is a query

    def __getattr__(name: str) -> Callable[[], str]: ...
