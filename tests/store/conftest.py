"""Store tests run against both stores, each on its own fresh database."""

from __future__ import annotations

import pytest

from copilot.config import load_settings
from copilot.store import open_store


@pytest.fixture
def open_one(home, database_url):
    """Open (another) store on the test's database, as another replica would; closed after."""
    opened = []

    def make(node: str = "n1"):
        store = open_store(load_settings(home=str(home)), node=node)
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(open_one):
    return open_one()
