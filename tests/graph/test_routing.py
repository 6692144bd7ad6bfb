"""A Neo4j cluster or Aura is reached through ``NEO4J_URI`` with the routing scheme
``neo4j://`` (reads to followers, writes to the leader). The same driver code must work
against the local single server: it answers the routing request with itself."""

from __future__ import annotations

import pytest

from graph import db
from graph.config import get_settings, reset_settings

pytestmark = pytest.mark.neo4j


def test_the_routing_driver_reads_and_writes_on_the_local_server(driver, monkeypatch):
    s = get_settings()
    port = s.local_uri.rsplit(":", 1)[1]
    password = (s.home / "neo4j-password").read_text(encoding="utf-8").strip()
    monkeypatch.setenv("NEO4J_URI", f"neo4j://127.0.0.1:{port}")
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    reset_settings()
    try:
        routed = db.get_driver()
        assert db.connection()[0].startswith("neo4j://")
        assert routed is not driver
        # a write goes to the leader (here the one server), reads to a follower (the same)
        db.write(routed, "CREATE (:Country {code: 'ZZ', name: 'Routed'})", name="t.routed")
        rows = db.records(routed, "MATCH (c:Country {code: 'ZZ'}) RETURN c.name AS n", name="t")
        assert rows == [{"n": "Routed"}]
        assert db.read(routed, "MATCH (c:Country) RETURN count(c) AS n", name="t").rows == [
            {"n": 1}
        ]
    finally:
        db.close_drivers()
        monkeypatch.delenv("NEO4J_URI")
        monkeypatch.delenv("NEO4J_USER")
        monkeypatch.delenv("NEO4J_PASSWORD")
        reset_settings()
