"""Read the project's own Python source as syntax trees, for the tests that guard its shape.

Nothing here imports or runs the modules it reads: the architecture test and the query
catalog test must see an import or a query name that only runs inside a function, or in
a branch no other test reaches.

>>> mods = project_modules()
>>> "graph.db" in mods and "tests.source_scan" not in mods
True
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The packages of the target layout (issue 14), bottom first; those that do not exist yet
# are simply not there to read. bench/ scripts are read too (they use the query catalog).
PACKAGES = ("media", "loaders", "graph", "service", "app", "cli", "bench")


@dataclass(frozen=True)
class Import:
    """One import in ``module``: the dotted ``target`` and where it is."""

    module: str
    target: str
    line: int
    in_function: bool  # inside a def: runs only when called
    dynamic: bool  # a module named in a string (importlib), which tools cannot follow


def module_name(path: Path) -> str:
    """Dotted module name of a source file under the repository root.

    >>> module_name(ROOT / "graph" / "queries" / "__init__.py")
    'graph.queries'
    >>> module_name(ROOT / "graph" / "db.py")
    'graph.db'
    """
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules() -> dict[str, Path]:
    """Every module of the packages that exist, by dotted name."""
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        base = ROOT / pkg
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            if "results" in path.parts or "__pycache__" in path.parts:
                continue
            out[module_name(path)] = path
    return out


@cache
def tree(path: Path) -> ast.Module:
    """The parsed source of ``path`` (a syntax error fails the test that asked)."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _parents(node: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(node) for child in ast.iter_child_nodes(parent)}


def _inside_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return True
    return False


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """Absolute name of ``from <level dots><name> import ...`` inside ``module``."""
    if not level:
        return name or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _target(base: str, attr: str, known: dict[str, Path]) -> str:
    """``from base import attr`` imports module ``base.attr`` when that is a module."""
    sub = f"{base}.{attr}"
    return sub if sub in known else base


def imports(module: str, source: str | None = None) -> list[Import]:
    """Every import in ``module``: top level, inside functions, and module names in strings.

    A string constant that is exactly the dotted name of a project module (handed to
    ``importlib.import_module`` directly or through a helper) counts as a dynamic import.
    ``source`` replaces the file's text (to test this scan).

    >>> [(i.target, i.in_function) for i in imports("graph.x", "def f(): import neo4j")]
    [('neo4j', True)]
    """
    known = project_modules()
    if source is None:
        path = known[module]
        root, is_package = tree(path), path.name == "__init__.py"
    else:
        root, is_package = ast.parse(source), False
    parents = _parents(root)
    out: list[Import] = []
    for node in ast.walk(root):
        inner = _inside_function(node, parents)
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append(Import(module, alias.name, node.lineno, inner, False))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                out.append(
                    Import(module, _target(base, alias.name, known), node.lineno, inner, False)
                )
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in known
            and node.value != module
            and "." in node.value
        ):
            out.append(Import(module, node.value, node.lineno, inner, True))
    return out


@cache
def all_imports() -> tuple[Import, ...]:
    """The imports of every project module."""
    return tuple(i for module in project_modules() for i in imports(module))


# ------------------------------------------------------------------ query catalog use
CATALOG = "graph.queries"
CATALOG_API = frozenset({"names", "text", "header"})  # the catalog's own functions


@dataclass(frozen=True)
class QueryUse:
    """One use of the query catalog: ``name`` is the query, or None when the code hands
    the catalog a name this scan cannot read (``what`` says which expression)."""

    module: str
    line: int
    name: str | None
    what: str


def _catalog_aliases(root: ast.Module, module: str) -> set[str]:
    """Local names bound to the catalog module in this file."""
    out = set()
    for node in ast.walk(root):
        if isinstance(node, ast.ImportFrom) and node.module == "graph" and not node.level:
            out |= {a.asname or a.name for a in node.names if a.name == "queries"}
        elif isinstance(node, ast.Import):
            out |= {a.asname for a in node.names if a.name == CATALOG and a.asname}
    if module == CATALOG:
        out.add("__self__")
    return out


def _function_of(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node  # type: ignore[return-value]
    return None


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def query_uses(
    module: str,
    source: str | None = None,
    outside: dict[str, tuple[int, str]] | None = None,
) -> list[QueryUse]:
    """Every query name ``module`` asks the catalog for.

    Read: ``queries.NAME``, ``queries.text("NAME")`` (and ``header``), ``getattr(queries,
    "NAME")``, and a string handed to a function whose parameter is passed to the catalog,
    as ``ask(driver, "page_places")`` with ``service.access.ask``: a function of the same
    module, or one of ``outside`` (name -> (position, parameter), the helpers of other
    modules this one imports, :func:`all_query_uses`). ``source`` replaces the file's text
    (to test this scan).

    >>> [u.name for u in query_uses("x", "from graph import queries\\nqueries.nope()")]
    ['nope']
    """
    return _scan(module, source, outside or {})[0]


def _scan(
    module: str, source: str | None, outside: dict[str, tuple[int, str]]
) -> tuple[list[QueryUse], dict[str, tuple[int, str]]]:
    """The catalog uses of ``module`` and its helpers that hand a parameter to the catalog."""
    root = ast.parse(source) if source is not None else tree(project_modules()[module])
    aliases = _catalog_aliases(root, module)
    if not aliases and not outside:
        return [], {}
    parents = _parents(root)
    out: list[QueryUse] = []
    forwarders: dict[str, tuple[int, str]] = {}  # function -> (position, parameter)

    def named(arg: ast.expr, node: ast.AST, what: str) -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            out.append(QueryUse(module, node.lineno, arg.value, what))  # type: ignore[attr-defined]
            return
        fn = _function_of(node, parents)
        params = [a.arg for a in fn.args.args + fn.args.kwonlyargs] if fn else []
        if fn is not None and isinstance(arg, ast.Name) and arg.id in params:
            forwarders[fn.name] = (params.index(arg.id), arg.id)
            return
        out.append(QueryUse(module, node.lineno, None, f"{what}: {ast.unparse(arg)}"))  # type: ignore[attr-defined]

    for node in ast.walk(root):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in aliases and node.attr not in CATALOG_API:
                out.append(QueryUse(module, node.lineno, node.attr, f"queries.{node.attr}"))
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.value.id in aliases
            and f.attr in ("text", "header")
            and node.args
        ):
            named(node.args[0], node, f"queries.{f.attr}")
        elif (
            isinstance(f, ast.Name)
            and f.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in aliases
        ):
            named(node.args[1], node, "getattr(queries)")
    calls = {**outside, **forwarders}
    for node in ast.walk(root):
        if not isinstance(node, ast.Call) or _call_name(node) not in calls:
            continue
        pos, param = calls[_call_name(node)]  # type: ignore[index]
        arg = next((k.value for k in node.keywords if k.arg == param), None)
        if arg is None and len(node.args) > pos:
            arg = node.args[pos]
        if arg is not None:
            named(arg, node, f"{_call_name(node)}({param}=)")
    return out, forwarders


def all_query_uses() -> Iterator[QueryUse]:
    """The catalog uses of every project module."""
    modules = project_modules()
    helpers = {m: _scan(m, None, {})[1] for m in modules}
    for module in modules:
        outside: dict[str, tuple[int, str]] = {}
        for node in ast.walk(tree(modules[module])):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    if a.name in helpers.get(node.module, {}):  # from service.access import read
                        outside[a.asname or a.name] = helpers[node.module][a.name]
                    for name, spec in helpers.get(f"{node.module}.{a.name}", {}).items():
                        outside[name] = spec  # from service import access; access.read(...)
        yield from _scan(module, None, outside)[0]
