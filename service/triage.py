"""Triage: dropped files or hashes in, exact and near matches out; "add to case" loads
the files into a case.

Matching needs ``triage`` and is recorded as ``triage`` (the file names, the first 50
hashes, the number of rows); adding to a case needs ``load`` too and is recorded as
``triage.add_to_case`` with the number of files loaded. Both run the ``triage`` lead
(:data:`graph.leads.LEADS`), as ``cluegraph leads triage`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import neo4j

from graph import audit
from graph.db import Result
from graph.errors import InvalidInput
from graph.leads import LEADS
from graph.rights import Action, User
from loaders.triage_files import FILE_TRIAGE
from service.access import allow


def params() -> set[str]:
    """The names of the ``triage`` lead's parameters."""
    return {p.name for p in LEADS["triage"].params}


def match(
    driver: neo4j.Driver,
    hashes: Sequence[str] = (),
    files: Sequence[Path] = (),
    *,
    user: User | None,
    extra: Mapping[str, Any] | None = None,
) -> Result:
    """Exact and near matches of ``hashes`` and ``files`` through the ``triage`` lead.

    Nothing is written, unless ``extra`` names a case to add the files to (the lead's
    ``add_to_case`` and ``series``): that is a load (the ``load`` right)."""
    allow(driver, user, Action.TRIAGE, {"hashes": len(hashes), "files": len(files)})
    if extra:
        allow(driver, user, Action.LOAD, {"triage": "add_to_case", **dict(extra)})
    clean = [h.strip().lower() for h in hashes if h and h.strip()]
    paths = [str(Path(f)) for f in files]
    if not paths and not clean:
        raise InvalidInput("give at least one file or hash")
    known = params()
    args: dict[str, Any] = {k: v for k, v in (extra or {}).items() if k in known}
    if paths:
        args["files"] = paths
    if clean:
        args["hashes"] = clean
    names = [Path(p).name for p in paths]
    if extra:
        what = {"files": names, **{k: v for k, v in extra.items() if k in known}}
        with audit.track(driver, user, "triage.add_to_case", what) as t:
            res = LEADS["triage"].run(driver, inject={"files_with": FILE_TRIAGE}, **args)
            t.count = ((res.summary or {}).get("loaded") or {}).get("files")
        return res
    with audit.track(driver, user, "triage", {"files": names, "hashes": clean[:50]}) as t:
        res = LEADS["triage"].run(driver, inject={"files_with": FILE_TRIAGE}, **args)
        t.count = len(res.rows)
    return res
