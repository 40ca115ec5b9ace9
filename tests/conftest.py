"""Shared fixtures: every test gets its own $COPILOT_HOME and a fresh runtime."""

from __future__ import annotations

import os

# litellm fetches its model cost map at import unless told not to; tests run offline
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest

import copilot
from tests.support import openai_stub, postgres
from tests.support.api import MODES, PROFILES, open_api
from tests.support.sources import TestSourcesPlugin


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "home"
    monkeypatch.setenv("COPILOT_HOME", str(path))
    monkeypatch.delenv("COPILOT_PLUGINS", raising=False)
    monkeypatch.delenv("COPILOT_CONFIG", raising=False)
    monkeypatch.delenv("COPILOT_DATABASE_URL", raising=False)
    return path


@pytest.fixture
def sources():
    return TestSourcesPlugin()


@pytest.fixture
def conn(home, sources):
    """An embedded runtime with only the test sources (no installed plugins)."""
    c = copilot.connect(home=str(home), entrypoints=False, plugin_timeout=2.0, drain_timeout=5.0)
    c.register_plugin(sources, "test-sources")
    yield c
    c.close()


@pytest.fixture(scope="session")
def pg_server():
    """The admin URL of a real PostgreSQL server: CI's (COPILOT_TEST_DATABASE_URL), else a
    throwaway cluster started here. In CI a server that cannot start fails the tests."""
    try:
        url, cluster = postgres.server()
    except postgres.PostgresUnavailable as exc:
        if os.environ.get("CI") or os.environ.get(postgres.ENV):
            pytest.fail(f"PostgreSQL is required here (CI, or {postgres.ENV} is set): {exc}")
        pytest.skip(str(exc))
    yield url
    if cluster is not None:
        cluster.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database of its own for one test."""
    with postgres.database(pg_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, home, monkeypatch):
    """Run the test on each store: None (SQLite in $COPILOT_HOME) or a fresh Postgres
    database, also set as COPILOT_DATABASE_URL so runtimes and subprocesses use it."""
    if request.param == "sqlite":
        return None
    url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("COPILOT_DATABASE_URL", url)
    return url


@pytest.fixture
def stub():
    """A real OpenAI-compatible server on 127.0.0.1; its base URL (requests in Stub.requests)."""
    with openai_stub.serve() as url:
        yield url


@pytest.fixture(scope="module", params=MODES)
def api(request, tmp_path_factory):
    """The public API over an embedded runtime, then over a real `copilot serve` (one per
    module; see tests/support/api.py for API_PROFILE and API_SETTINGS)."""
    profile = PROFILES[getattr(request.module, "API_PROFILE", "bare")]
    extra = getattr(request.module, "API_SETTINGS", {})
    root = tmp_path_factory.mktemp(f"api-{request.param}")
    with open_api(request.param, profile, root, **extra) as opened:
        yield opened
