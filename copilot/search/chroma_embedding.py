"""The MiniLM embedder as a Chroma ``EmbeddingFunction``, registered under a stable name.

Chroma persists an embedding function's ``name()`` and ``get_config()`` with the collection
and rebuilds it with ``build_from_config`` when the collection is reopened. Registering the
class (done when this module is imported) is what lets a reopened collection get our offline
model back instead of Chroma's default one, which downloads a model and fails offline.
Importing this module imports chromadb, so import it lazily.
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import (
    known_embedding_functions,
    register_embedding_function,
)

from copilot.search.embedding import MAX_LENGTH, MODEL_ID, shared_embedder

NAME = "copilot-minilm-l6-v2-int8"


class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """Offline all-MiniLM-L6-v2 (int8 ONNX) for Chroma; cosine space, 384 dimensions."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._embedder = shared_embedder(threads)

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._embedder.embed(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return self.__call__(input)

    @staticmethod
    def name() -> str:
        return NAME

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        # No paths: the model comes from installed packages, so the config travels.
        return {"model_id": MODEL_ID, "max_length": MAX_LENGTH, "threads": self.threads}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        MiniLMEmbeddingFunction.validate_config(config)
        return MiniLMEmbeddingFunction(threads=config.get("threads"))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        if config.get("model_id", MODEL_ID) != MODEL_ID:
            raise ValueError(f"collection was built with {config.get('model_id')!r}")

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        if new_config.get("model_id", MODEL_ID) != old_config.get("model_id", MODEL_ID):
            raise ValueError("the embedding model of a collection cannot change")


if known_embedding_functions.get(NAME) is not MiniLMEmbeddingFunction:
    register_embedding_function(MiniLMEmbeddingFunction)
