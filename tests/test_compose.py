"""docker-compose.yml cannot run here (no Docker engine): check what it declares."""

from pathlib import Path

import yaml

COMPOSE = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
)


def test_compose_declares_neo4j_and_app_services():
    assert set(COMPOSE["services"]) == {"neo4j", "app"}


def test_neo4j_is_community_5():
    assert COMPOSE["services"]["neo4j"]["image"].startswith("neo4j:5")


def test_every_published_port_is_bound_to_loopback():
    ports = [p for s in COMPOSE["services"].values() for p in s.get("ports", [])]
    assert ports and all(p.startswith("127.0.0.1:") for p in ports)


def test_neo4j_auth_comes_from_the_environment():
    assert "${NEO4J_PASSWORD" in COMPOSE["services"]["neo4j"]["environment"]["NEO4J_AUTH"]


def test_neo4j_data_lives_on_a_named_volume():
    assert "neo4j-data:/data" in COMPOSE["services"]["neo4j"]["volumes"]


def test_neo4j_has_a_healthcheck_the_app_waits_for():
    app = COMPOSE["services"]["app"]
    assert "healthcheck" in COMPOSE["services"]["neo4j"]
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_app_reaches_neo4j_by_service_name():
    assert COMPOSE["services"]["app"]["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
