"""The runtime tests run on both stores: SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import pytest

import copilot


@pytest.fixture
def conn(home, sources, database_url):
    """An embedded runtime with only the test sources, on the parametrized store."""
    c = copilot.connect(home=str(home), entrypoints=False, plugin_timeout=2.0, drain_timeout=5.0)
    c.register_plugin(sources, "test-sources")
    yield c
    c.close()
