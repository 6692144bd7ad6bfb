"""Every Cypher statement lives in a named ``graph/queries/*.cypher`` file with its header
(issue 14, STYLE.md): no string literal of the packages holds one, whole or in pieces.

A literal counts as Cypher when it holds a clause with its pattern: ``MATCH (``,
``MERGE (``, ``CREATE (``, ``UNWIND $x AS``, ``CALL (`` / ``CALL {`` / ``CALL db.``,
``SHOW CONSTRAINTS``, ``DETACH DELETE``; the pieces of an f-string are read one by one,
so a statement joined from fragments is caught too. Prose that names a clause ("then
MERGE its nodes") is not, nor are docstrings (an example there runs nowhere). Only the
modules below may still hold some, each with its reason; an entry that no longer holds
any fails, so the list only shrinks.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.source_scan import project_modules, tree

_STATEMENT = re.compile(
    r"\b(?:MATCH|MERGE|CREATE)\s*\("
    r"|\bUNWIND\s+[$\[\w.]+\s+AS\b"
    r"|\bCALL\s*(?:\(|\{|db\.|dbms\.|apoc\.)"
    r"|\bSHOW\s+(?:CONSTRAINTS|INDEXES)\b"
    r"|\bDETACH\s+DELETE\b"
)

#: module -> why it still holds Cypher.
ALLOWED: dict[str, str] = {
    "graph.bundle": "a bundle names its labels and relationship types in the data, and "
    "each statement must name them to use the key indexes: Neo4j 5.26 plans a dynamic "
    "label (MATCH/MERGE (n:$($label))) as a scan of every node (EXPLAIN shows "
    "AllNodesScan), one per row for MERGE; the labels and types are checked against "
    "graph/schema.py before they are spliced in (backquoted)",
}


def cypher_literals(module: str) -> list[tuple[int, str]]:
    """(line, start of the literal) of each string literal of ``module`` holding Cypher."""
    root = tree(project_modules()[module])
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(root)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    out = []
    for node in ast.walk(root):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            if _STATEMENT.search(node.value):
                out.append((node.lineno, node.value.strip()[:60]))
    return out


def _package_modules() -> list[str]:
    return sorted(m for m in project_modules() if not m.startswith("bench"))


def holders() -> dict[str, list[tuple[int, str]]]:
    return {m: found for m in _package_modules() if (found := cypher_literals(m))}


def test_no_cypher_outside_graph_queries():
    assert {m: v for m, v in holders().items() if m not in ALLOWED} == {}


def test_every_allowed_module_still_holds_cypher():
    assert sorted(ALLOWED.keys() - holders().keys()) == []


@pytest.mark.parametrize(
    "text",
    [
        "MATCH (n:Series) RETURN n",
        "UNWIND $rows AS row",
        "CALL () { RETURN 1 }",
        "SHOW CONSTRAINTS YIELD name",
        "MATCH (n) DETACH DELETE n",
        "CALL db.awaitIndexes(300)",
    ],
)
def test_the_scan_sees_a_statement(text):
    assert _STATEMENT.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "Verify the bundle, then MERGE its nodes and relationships.",
        "Run an ``UNWIND $rows`` write in batches.",
        "Rows per UNWIND batch in loaders",
    ],
)
def test_the_scan_leaves_prose_alone(text):
    assert not _STATEMENT.search(text)
