"""The embedding function is registered with Chroma, so reopened collections find it offline."""

from __future__ import annotations

import pytest

from tests.search.helpers import run_python


def test_registered_with_config_round_trip():
    from chromadb.utils.embedding_functions import known_embedding_functions

    from copilot.search.chroma_embedding import NAME, MiniLMEmbeddingFunction

    assert known_embedding_functions[NAME] is MiniLMEmbeddingFunction
    ef = MiniLMEmbeddingFunction()
    rebuilt = MiniLMEmbeddingFunction.build_from_config(ef.get_config())
    assert isinstance(rebuilt, MiniLMEmbeddingFunction)
    assert rebuilt.get_config() == ef.get_config()
    assert not ef.is_legacy()
    vectors = ef(["budget review", "hiring plan"])
    assert len(vectors) == 2 and len(vectors[0]) == 384
    with pytest.raises(ValueError):
        MiniLMEmbeddingFunction.build_from_config({"model_id": "something-else"})


def test_reopened_collection_gets_it_back_in_a_new_process(index, sample_dir, tmp_path):
    """A fresh interpreter opens the collection without passing an embedding function and
    queries it by text: Chroma rebuilds ours from the stored config, offline."""
    result = run_python(
        f"""
        import json
        import chromadb
        import copilot.search.chroma_embedding as ce
        client = chromadb.PersistentClient({str(sample_dir / "chroma")!r})
        col = client.get_collection({index.collection_name!r})
        ef = col.configuration["embedding_function"]
        found = col.query(query_texts=["card ending 4111 charged twice"], n_results=1)
        print(json.dumps({{"ef": type(ef).__name__, "name": ef.name(), "top": found["ids"][0][0]}}))
        """,
        tmp_path,
    )
    assert result == {
        "ef": "MiniLMEmbeddingFunction",
        "name": "copilot-minilm-l6-v2-int8",
        "top": "sys-0",
    }
