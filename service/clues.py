"""Clues: the clue board, adding a clue, the visual pass's suggestions, object clues.

Reading needs ``read``; adding a clue, answering a suggestion and saving an object clue
need ``add_clue``. Adding is recorded as ``clue.add``; listing and answering suggestions
are recorded by :mod:`graph.suggestions` (``suggestions.list``, ``suggestions.accept``,
``suggestions.reject``), an object clue by :mod:`loaders.visual_search`
(``clues.add_object``). The app's Clues and Series pages and ``cluegraph clues …`` call
these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import neo4j

from graph import audit
from graph import clues as graph_clues
from graph import suggestions as visual_suggestions
from graph.db import Result
from graph.errors import InvalidInput
from graph.rights import Action, User
from loaders import visual_search
from service.access import PAGE_SIZE, allow, ask, blank, whole

#: The columns of a suggestion row (``cluegraph clues suggestions``).
SUGGESTION_COLUMNS = visual_suggestions.COLUMNS


def types(driver: neo4j.Driver, *, user: User | None = None) -> Result:
    """Per clue type: clues, media, series and countries showing them."""
    return ask(driver, "page_clue_types", cap=100, user=user)


def board(
    driver: neo4j.Driver,
    clue_type: str | None = None,
    text: str = "",
    skip: int = 0,
    limit: int = PAGE_SIZE,
    *,
    user: User | None = None,
) -> Result:
    """One page of clues (most countries first); ``truncated`` = there is a next page."""
    n = whole(limit, "limit", 1, 10_000)
    params = {
        "type": blank(clue_type),
        "text": (text or "").strip(),
        "skip": whole(skip, "skip"),
        "limit": n + 1,
    }
    return ask(driver, "page_clues", params, cap=n, user=user)


def _who(user: User | None) -> str:
    if user is None:  # allow() refuses anonymous users; this keeps the type checker sure
        raise InvalidInput("a user is needed for this")
    return user.name


def add(driver: neo4j.Driver, *, user: User | None, **fields: Any) -> Any:
    """The clue form's write (:func:`graph.clues.add_clue`), noted by ``user``; needs
    ``add_clue``; recorded as ``clue.add``."""
    allow(driver, user, Action.ADD_CLUE, {"target": fields.get("target")})
    who = _who(user)
    fields.pop("analyst", None)
    params = {
        "target": fields.get("target"),
        "kind": fields.get("target_kind"),
        "type": fields.get("clue_type"),
        "label": fields.get("label"),
        "hint": fields.get("location_hint"),
    }
    with audit.track(driver, user, "clue.add", params) as t:
        added = graph_clues.add_clue(driver, analyst=who, **fields)
        t.count = 1
    return added


def suggestions(
    driver: neo4j.Driver,
    series_id: str | None = None,
    limit: int = 200,
    *,
    case_id: str | None = None,
    user: User | None,
) -> list[dict[str, Any]]:
    """Open suggestions (text, language, object) of one series, one case or everywhere,
    strongest first (recorded as ``suggestions.list``)."""
    allow(driver, user, Action.READ, {"suggestions": series_id or case_id or "all"})
    return visual_suggestions.list_suggestions(
        driver,
        series_id=blank(series_id),
        case_id=blank(case_id),
        limit=whole(limit, "limit", 1, 100_000),
        user=user,
    )


def answer(
    driver: neo4j.Driver, sha256: str, clue_id: str, accept: bool, *, user: User | None
) -> dict[str, Any]:
    """Accept (it becomes ``SHOWS`` by ``user``) or reject (remembered) a suggestion;
    needs ``add_clue``; recorded as ``suggestions.accept`` / ``suggestions.reject``."""
    allow(driver, user, Action.ADD_CLUE, {"sha256": sha256, "clueId": clue_id})
    fn = visual_suggestions.accept if accept else visual_suggestions.reject
    return fn(driver, sha256, clue_id, by=_who(user))


def add_object(
    driver: neo4j.Driver,
    image: Path | bytes,
    *,
    series_id: str,
    label: str,
    box: str | tuple[int, int, int, int] | None = None,
    user: User | None,
) -> dict[str, Any]:
    """Save an object clue of a series and keep searching for it in later loads (a
    standing search); needs ``add_clue``; recorded as ``clues.add_object``. ``box`` is
    ``x,y,w,h`` on the picture (text or numbers)."""
    allow(driver, user, Action.ADD_CLUE, {"series": series_id, "label": label})
    region = visual_search.parse_box(box) if isinstance(box, str) or box is None else box
    return visual_search.add_object_clue(
        driver, image, series_id=series_id, label=label, by=_who(user), box=region
    )


#: The columns of an object search's rows (``cluegraph search object``).
SEARCH_COLUMNS = visual_search.COLUMNS


def search_object(
    driver: neo4j.Driver,
    image: Path | bytes,
    box: str | tuple[int, int, int, int] | None = None,
    limit: int = 10,
    *,
    user: User | None,
) -> list[dict[str, Any]]:
    """Loaded pictures (and video frames) that show the object in ``image`` (or in
    ``box`` on it), best first; needs ``triage`` (the Object search page's right);
    recorded as ``search.object``."""
    allow(driver, user, Action.TRIAGE, {"search": "object"})
    region = visual_search.parse_box(box) if isinstance(box, str) or box is None else box
    return visual_search.search_object_everywhere(
        driver, image, region, whole(limit, "limit", 1, 1000), user=user
    )
