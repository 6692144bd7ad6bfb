"""Every query file has a catalog function and a header that documents it."""

import re

import pytest

from graph import queries

NAMES = queries.names()


def test_catalog_is_not_empty():
    assert NAMES


@pytest.mark.parametrize("name", NAMES)
def test_query_has_a_catalog_function(name):
    assert getattr(queries, name)() == queries.text(name)


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
