"""The shape of the tree (issue 14, docs/architecture.md): imports point one way.

media/ -> loaders/ -> graph/ -> service/ -> app/, cli/: a package imports only packages
below it, app/ and cli/ never talk to the driver or hold Cypher, and no two modules need
each other. Imports are read from the source (``tests/source_scan.py``): at the top, inside
functions, and module names handed to ``importlib`` in strings.

What still breaks the rules today is listed below with its reason. A new break fails the
test; an entry that no longer happens fails too, so the lists only shrink.
"""

import ast
import re

import networkx as nx
import pytest

from tests.source_scan import all_imports, imports, project_modules, tree

#: For each package, the packages, modules (``graph.db``) and outside libraries it must
#: never import. The faces (app/, cli/) reach the driver and the queries only through
#: service/ (``service.connect`` for the driver).
FORBIDDEN: dict[str, frozenset[str]] = {
    "media": frozenset({"loaders", "graph", "service", "app", "cli", "neo4j"}),
    "loaders": frozenset({"service", "app", "cli"}),
    "graph": frozenset({"media", "loaders", "service", "app", "cli"}),
    "service": frozenset({"app", "cli"}),
    "app": frozenset({"neo4j", "graph.db", "graph.queries"}),
    "cli": frozenset({"neo4j", "graph.db", "graph.queries"}),
}

#: Modules every package may import: leaves that import nothing of the project. The
#: settings are read in one module (STYLE.md "Configuration"), which media/ needs too
#: (the video sampling limits); it sits in graph/ for now.
LEAVES: frozenset[str] = frozenset({"graph.config"})

#: Imports against the direction that are still there: (module, imported) -> why.
ALLOWED_IMPORTS: dict[tuple[str, str], str] = {}

#: Modules of app/ and cli/ that still hold a Cypher statement: module -> why.
ALLOWED_CYPHER: dict[str, str] = {}

#: Import circles still there (each a set of modules that reach each other) -> why.
ALLOWED_CIRCLES: dict[frozenset[str], str] = {}

#: A string constant that reads as a Cypher statement: two clauses at least.
_CYPHER = re.compile(
    r"\b(MATCH|MERGE|UNWIND|CREATE|DETACH DELETE|RETURN|SET|WITH|CALL \{)\s", re.MULTILINE
)


def _package(module: str) -> str:
    return module.split(".")[0]


def _forbidden(module: str, target: str) -> bool:
    """Whether ``module`` may not import ``target`` (a package or one of its modules)."""
    banned = FORBIDDEN.get(_package(module), frozenset())
    return target not in LEAVES and any(target == b or target.startswith(b + ".") for b in banned)


def violations() -> set[tuple[str, str]]:
    """(module, imported) pairs that import against the direction."""
    return {
        (i.module, _package(i.target) if _package(i.target) == "neo4j" else i.target)
        for i in all_imports()
        if _forbidden(i.module, i.target)
    }


def cypher_modules() -> set[str]:
    """Modules of app/ and cli/ with a string constant that is a Cypher statement."""
    out = set()
    for module, path in project_modules().items():
        if _package(module) not in ("app", "cli"):
            continue
        for node in ast.walk(tree(path)):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and len(set(_CYPHER.findall(node.value))) >= 2
            ):
                out.add(module)
    return out


def import_graph() -> nx.DiGraph:
    """Modules of the project and the project modules each imports."""
    known = project_modules()
    g = nx.DiGraph()
    g.add_nodes_from(known)
    for i in all_imports():
        if i.target in known and i.target != i.module:
            g.add_edge(i.module, i.target)
    return g


def circles() -> set[frozenset[str]]:
    """Every set of two or more modules that import each other, directly or around."""
    return {frozenset(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1}


def test_the_packages_to_check_exist():
    assert {"graph", "loaders", "app", "cli"} <= {_package(m) for m in project_modules()}


def test_no_new_import_against_the_direction():
    assert sorted(violations() - ALLOWED_IMPORTS.keys()) == []


def test_every_allowed_import_is_still_there():
    """An entry whose import was removed must leave the list (it only shrinks)."""
    assert sorted(ALLOWED_IMPORTS.keys() - violations()) == []


def test_no_new_cypher_in_app_or_cli():
    assert sorted(cypher_modules() - ALLOWED_CYPHER.keys()) == []


def test_every_allowed_cypher_module_still_holds_cypher():
    assert sorted(ALLOWED_CYPHER.keys() - cypher_modules()) == []


def test_no_new_import_circle():
    assert [sorted(c) for c in circles() - ALLOWED_CIRCLES.keys()] == []


def test_every_allowed_circle_is_still_there():
    assert [sorted(c) for c in ALLOWED_CIRCLES.keys() - circles()] == []


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_a_leaf_imports_nothing_of_the_project(leaf):
    known = project_modules()
    assert (
        sorted({i.target for i in imports(leaf, known[leaf].read_text()) if i.target in known})
        == []
    )


def test_audit_and_auth_no_longer_need_each_other():
    g = import_graph()
    assert not (g.has_edge("graph.audit", "graph.auth") and g.has_edge("graph.auth", "graph.audit"))


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("from loaders import media\n", "loaders.media"),
        ("from ..loaders.base import begin_load\n", "loaders.base"),
        ("def f():\n    import loaders.base\n", "loaders.base"),
        ("import importlib\nm = importlib.import_module('loaders.world')\n", "loaders.world"),
    ],
)
def test_the_scan_sees_an_import_at_the_top_in_a_function_or_in_a_string(source, target):
    assert target in {i.target for i in imports("graph.x", source)}


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("app.views.x", "neo4j"),
        ("app.views.x", "graph.db"),
        ("cli.x", "graph.queries"),
        ("cli.x", "graph.queries.x"),
        ("graph.x", "loaders.media"),
    ],
)
def test_a_face_may_not_import_the_driver_the_db_module_or_the_queries(module, target):
    assert _forbidden(module, target)


@pytest.mark.parametrize(
    ("module", "target"), [("cli.x", "graph.display"), ("app.x", "service.connect")]
)
def test_a_face_may_import_the_service_layer_and_the_rest_of_graph(module, target):
    assert not _forbidden(module, target)


def test_the_faces_do_not_ask_the_app_state_for_a_page_function_by_name():
    """``S.load(series.search, ...)``, never ``S.load("search_series", ...)``."""
    by_name = [
        f"{m}:{node.lineno}"
        for m, path in project_modules().items()
        if _package(m) == "app"
        for node in ast.walk(tree(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "load"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]
    assert by_name == []
