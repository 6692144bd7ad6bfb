"""The local server's generated password is a valid argument for Neo4j's admin tool."""

from __future__ import annotations

import secrets

import pytest

from graph import server


@pytest.mark.parametrize("drawn", ["-starts-with-a-dash", "_under", "plainAbc123"])
def test_new_password_never_starts_with_a_dash(monkeypatch, drawn):
    # token_urlsafe draws from A-Z a-z 0-9 - _: one draw in 64 starts with '-', which the
    # admin tool (picocli) reads as an unknown option and refuses with exit 64.
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: drawn)
    pw = server.new_password()
    assert not pw.startswith("-")
    assert drawn in pw


def test_new_password_is_random_and_long():
    a, b = server.new_password(), server.new_password()
    assert a != b
    assert len(a) >= 32
