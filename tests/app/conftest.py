"""Users for the app tests: a users file in a temporary folder, one account per role.

Every app test runs with ``CLUEGRAPH_USERS_FILE`` pointing at it (the passwords are
synthetic and exist only in this file's tests).
"""

from __future__ import annotations

import pytest
import streamlit as st

from graph import auth
from graph.config import reset_settings
from tests.app.seed import seed

PASSWORD = "synthetic-test-password-1"
#: name -> role. ``bob`` is one of the seed's audit users.
USERS = {
    "admin1": "admin",
    "dana": "analyst",
    "bob": "analyst",
    "carla": "coordinator",
    "tina": "trainer",
}


@pytest.fixture(scope="session")
def users_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("users") / "users.toml"
    for name, role in USERS.items():
        auth.add_user(name, role, PASSWORD, path=path)
    return path


@pytest.fixture(autouse=True)
def _users(users_path, monkeypatch):
    monkeypatch.setenv("CLUEGRAPH_USERS_FILE", str(users_path))
    monkeypatch.delenv("CLUEGRAPH_AUTH_HEADER", raising=False)
    monkeypatch.delenv("CLUEGRAPH_DEMO", raising=False)
    reset_settings()
    yield users_path
    reset_settings()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Cached reads (and frames) must not leak from one test's graph into the next."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def seeded(driver):
    """The seed graph (tests/app/seed.py), without picture files."""
    seed(driver, None)
    return driver


def user(name: str) -> auth.User:
    return auth.User(name, USERS[name])
