"""The query catalog is explicit: every name the code asks for has a file, every file is
asked for somewhere, and every file has a header that documents it.

The names are read from the source (``tests/source_scan.py``), not by running it, so a
typo in a branch no test reaches (``queries.nope()``) fails here, not in front of an analyst.
"""

import re

import pytest

from graph import queries
from tests.source_scan import all_query_uses, query_uses

NAMES = queries.names()
USES = list(all_query_uses())


def test_catalog_is_not_empty():
    assert NAMES


def test_every_query_name_in_the_source_has_a_file():
    missing = [f"{u.module}:{u.line} {u.what}" for u in USES if u.name not in NAMES]
    assert missing == []


def test_every_query_file_is_used_by_the_source():
    used = {u.name for u in USES}
    assert [n for n in NAMES if n not in used] == []


def test_the_scan_catches_a_typo_in_a_catalog_call():
    src = "from graph import queries\ndef f(driver):\n    return queries.nope()\n"
    assert [u.name for u in query_uses("x", src)] == ["nope"]


def test_the_scan_follows_a_name_handed_to_a_helper():
    src = (
        "from graph import queries\n"
        "def _read(driver, qname):\n    return getattr(queries, qname)()\n"
        "def page(driver):\n    return _read(driver, 'page_nope')\n"
    )
    assert [u.name for u in query_uses("x", src)] == ["page_nope"]


def test_the_scan_reports_a_name_it_cannot_read():
    src = "from graph import queries\nq = queries.text('page_' + kind)\n"
    assert [u.name for u in query_uses("x", src)] == [None]


@pytest.mark.parametrize("name", NAMES)
def test_query_has_a_catalog_function(name):
    """A real function made at import for each file (not made up on demand)."""
    fn = vars(queries).get(name)
    assert (getattr(fn, "__name__", None), fn() if callable(fn) else None) == (
        name,
        queries.text(name),
    )


def test_the_catalog_makes_no_function_for_a_name_without_a_file():
    assert "no_such_question" not in vars(queries) and not hasattr(queries, "no_such_question")


@pytest.mark.parametrize("name", NAMES)
def test_query_header_says_what_it_answers_and_returns(name):
    head = queries.header(name)
    assert head and any(line.startswith("Returns:") for line in head)


@pytest.mark.parametrize("name", NAMES)
def test_query_header_documents_every_parameter(name):
    body = queries.text(name)
    params = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", body))
    head = " ".join(queries.header(name))
    assert all(f"${p}" in head for p in params)


def test_unknown_query_fails_loudly():
    with pytest.raises(AttributeError):
        queries.no_such_question  # noqa: B018


def test_unknown_query_text_fails_loudly():
    with pytest.raises(KeyError):
        queries.text("no_such_question")
