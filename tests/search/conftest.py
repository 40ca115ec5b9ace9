"""Fixtures for search tests: the sample meeting indexed once into a real on-disk Chroma."""

from __future__ import annotations

import pytest

from tests.search.helpers import SAMPLE


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("search-index")


@pytest.fixture(scope="session")
def index(sample_dir):
    from copilot.search.index import SearchIndex

    idx = SearchIndex(sample_dir)
    idx.add(SAMPLE)
    yield idx
    idx.close()
