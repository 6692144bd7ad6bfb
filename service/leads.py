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

from graph import audit
from graph.db import Result
from graph.errors import InvalidInput, NotFound
from graph.leads import LEADS, Lead
from graph.rights import Action, User
from loaders.triage_files import FILE_TRIAGE
from service.access import allow

#: The audit trail's name for a lead run (the app's and the CLI's alike).
AUDIT_ACTION = "lead.run"


def catalog() -> dict[str, Lead]:
    """Every lead by name (what ``cluegraph leads list`` and the Leads page offer)."""
    return dict(LEADS)


def _check(
    driver: neo4j.Driver, user: User | None, name: str, params: Mapping[str, Any], form: bool
) -> None:
    allow(driver, user, Action.READ, {"lead": name})
    if name == "triage":
        allow(driver, user, Action.TRIAGE, {"lead": name})
        if params.get("add_to_case") and not form:  # a form may not load (run_lead)
            allow(driver, user, Action.LOAD, {"lead": name, "add_to_case": True})


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
    values, coerced to the lead's types by :func:`run_lead` (which also keeps
    server paths and loads off the Leads page). Raises :class:`graph.errors.Forbidden`
    without the right, :class:`graph.errors.NotFound` for an unknown lead.
    """
    _check(driver, user, name, params, form)
    with audit.track(driver, user, AUDIT_ACTION, {"lead": name, **dict(params)}) as t:
        if form:
            res = run_lead(driver, name, params)
        else:
            lead = LEADS.get(name)
            if lead is None:
                raise NotFound(f"there is no lead named {name!r}")
            inject = {"files_with": FILE_TRIAGE} if name == "triage" else None
            res = lead.run(driver, inject=inject, **params)
        t.count = len(res.rows)
    return res


#: Parameters of the ``triage`` lead that reach the server's files or write: never from a
#: form (:func:`run_lead`).
SERVER_SIDE_TRIAGE = ("files", "add_to_case", "series")


def coerce_param(ptype: str, value: Any) -> Any:
    """A form value as the lead parameter's type (``str``, ``int``, ``float``, ``bool``,
    ``list[str]``); empty becomes None.

    >>> coerce_param("int", "12"), coerce_param("list[str]", "a, b\\nc"), coerce_param("str", " ")
    (12, ['a', 'b', 'c'], None)
    """
    if value is None:
        return None
    if ptype == "list[str]":
        if isinstance(value, str):
            value = value.replace(",", "\n").splitlines()
        items = [str(v).strip() for v in value]
        return [v for v in items if v] or None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    try:
        if ptype == "int":
            return int(value)
        if ptype == "float":
            return float(value)
        if ptype == "bool":
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"{str(value)[:60]!r} is not a valid {ptype}") from None
    return str(value)


def run_lead(driver: neo4j.Driver, name: str, params: Mapping[str, Any]) -> Result:
    """Run lead ``name`` with form values ``params`` (coerced to the lead's types).

    The ``triage`` lead needs the ``triage`` right, and takes hashes only here: its
    ``files`` are paths on the server (a folder is listed and every file in it read) and
    ``add_to_case`` loads them, so the app never passes either from a form; files are
    uploaded on the Triage page (:func:`service.triage.match`), whose adding to a case
    needs ``load``."""
    if name == "triage":
        given = [k for k in SERVER_SIDE_TRIAGE if params.get(k) not in (None, "", [], ())]
        if given:
            raise InvalidInput(
                f"{', '.join(given)}: the Leads page takes hashes only; upload files (and add "
                "them to a case) on the Triage page"
            )
    lead = LEADS.get(name)
    if lead is None:
        raise NotFound(f"there is no lead named {name!r}")
    args: dict[str, Any] = {}
    for p in lead.params:
        v = coerce_param(p.type, params.get(p.name))
        if v is None:
            if p.required:
                raise InvalidInput(f"{p.name} is required")
            continue
        args[p.name] = v
    inject = {"files_with": FILE_TRIAGE} if name == "triage" else None
    return lead.run(driver, inject=inject, **args)
