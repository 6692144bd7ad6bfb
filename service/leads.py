"""The named lead queries (:data:`graph.leads.LEADS`), checked and audited.

Every run needs the ``read`` right; the ``triage`` lead needs ``triage`` too, and its
``add_to_case`` (which loads files into a case) needs ``load``. A run is recorded as
``lead.run`` with the lead's name and parameters and the number of rows (outcome ``ok``),
or the error's type (outcome ``error``); a refusal is recorded as ``refused`` by the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import neo4j

from graph import audit, pages
from graph.db import Result
from graph.errors import NotFound
from graph.leads import LEADS, Lead
from graph.rights import Action, User
from loaders.triage_files import FILE_TRIAGE

#: The audit trail's name for a lead run (the app's and the CLI's alike).
AUDIT_ACTION = "lead.run"


def catalog() -> dict[str, Lead]:
    """Every lead by name (what ``cluegraph leads list`` and the Leads page offer)."""
    return dict(LEADS)


def _check(driver: neo4j.Driver, user: User | None, name: str, params: Mapping[str, Any]) -> None:
    pages.allow(driver, user, Action.READ, {"lead": name})
    if name == "triage":
        pages.allow(driver, user, Action.TRIAGE, {"lead": name})
        if params.get("add_to_case"):
            pages.allow(driver, user, Action.LOAD, {"lead": name, "add_to_case": True})


def run(
    driver: neo4j.Driver,
    name: str,
    params: Mapping[str, Any],
    *,
    user: User | None,
    form: bool = False,
) -> Result:
    """Run lead ``name`` for ``user`` and record it.

    ``params`` are typed values (the CLI's options), or, with ``form=True``, a page's form
    values, coerced to the lead's types by :func:`graph.pages.run_lead` (which also keeps
    server paths and loads off the Leads page). Raises :class:`graph.errors.Forbidden`
    without the right, :class:`graph.errors.NotFound` for an unknown lead.
    """
    _check(driver, user, name, params)
    with audit.track(driver, user, AUDIT_ACTION, {"lead": name, **dict(params)}) as t:
        if form:
            res = pages.run_lead(driver, name, params, user=user)
        else:
            lead = LEADS.get(name)
            if lead is None:
                raise NotFound(f"there is no lead named {name!r}")
            inject = {"files_with": FILE_TRIAGE} if name == "triage" else None
            res = lead.run(driver, inject=inject, **params)
        t.count = len(res.rows)
    return res
