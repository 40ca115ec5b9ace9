"""Build (once per machine) a faster copy of the bundled MiniLM ONNX model, cached on disk.

The bundled ``model.onnx`` is int8 only in storage: its weights are int8 initializers that are
Cast to float at run time, so every MatMul runs in fp32. Three offline onnxruntime passes turn
it into a truly int8 model (~1.8x the throughput, vectors at mean cosine ~0.99 to the original):

1. basic graph optimisation, saved to a file: constant-folds the weight dequantisation;
2. ``onnxruntime.transformers`` BERT fusions (``opt_level=0``, no torch import): BiasGelu and
   SkipLayerNormalization;
3. ``quantize_dynamic`` with per-channel int8 weights (per-tensor loses ~4 points of cosine).

The result is cached outside ``$COPILOT_HOME`` (``COPILOT_CACHE_DIR``, else
``$XDG_CACHE_HOME/copilot``, else ``~/.cache/copilot``) under a name keyed by the source
model's bytes, onnxruntime's version and this recipe's version, so upgrades rebuild. It is
written to a temporary file and ``os.replace``d into place, so a concurrent reader never sees a
half-written model; a lock file (where ``fcntl`` exists) keeps two processes from both
spending the ~6 s build. The conversion runs in a child interpreter
(``python -m copilot.search.model_build SOURCE OUT``): the converters log verbosely to the root
logger, import ``onnx`` and ``sympy`` (~100 MB that the app need not keep), and a crash there
must not take the app down.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from copilot.config import cache_dir

log = logging.getLogger(__name__)

# Bump when the conversion below changes: cached files of older recipes are then ignored.
RECIPE_VERSION = 1
NUM_HEADS = 12
HIDDEN_SIZE = 384
_KEY_CHUNK = 1 << 20  # hash the first and last MB (and the size) of the source model
BUILD_TIMEOUT = 300.0  # seconds; a build takes ~6 s on 2 cores

_build_lock = threading.Lock()
build_count = 0  # builds done by this process (tests check the cache is reused)


def source_key(source: Path) -> str:
    """A short key of the model file: its size plus a hash of its first and last MB."""
    size = source.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with source.open("rb") as f:
        digest.update(f.read(_KEY_CHUNK))
        if size > _KEY_CHUNK:
            f.seek(max(_KEY_CHUNK, size - _KEY_CHUNK))
            digest.update(f.read(_KEY_CHUNK))
    return digest.hexdigest()[:16]


def fast_model_path(source: Path, directory: Path | None = None) -> Path:
    """Where the fast model built from ``source`` is (or will be) cached."""
    import onnxruntime as ort

    name = f"minilm-l6-fast-{source_key(source)}-ort{ort.__version__}-r{RECIPE_VERSION}.onnx"
    return (directory or cache_dir()) / name


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock on ``path`` where ``fcntl`` exists (no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic replace alone keeps readers safe
        yield
        return
    with path.open("a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def convert(source: Path, out: Path, workdir: Path) -> None:
    """The three passes, ``source`` → ``out``; intermediate files go to ``workdir``."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    folded = workdir / "folded.onnx"
    fused = workdir / "fused.onnx"
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    options.log_severity_level = 3
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])

    model = optimizer.optimize_model(
        str(folded), model_type="bert", num_heads=NUM_HEADS, hidden_size=HIDDEN_SIZE, opt_level=0
    )
    model.save_model_to_file(str(fused))
    quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8, per_channel=True)


def convert_in_child(source: Path, out: Path, workdir: Path) -> None:
    """``convert`` in a fresh interpreter; raises with the child's stderr if it fails."""
    root = str(Path(__file__).resolve().parents[2])  # the folder holding the copilot package
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-m", __name__, str(source), str(out), str(workdir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        cwd=workdir,
    )
    if proc.returncode != 0 or not out.is_file():
        tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        raise RuntimeError(f"model conversion failed: {tail[0]}")


def ensure_fast_model(
    source: Path,
    *,
    directory: Path | None = None,
    validate: Callable[[Path], None] | None = None,
) -> Path:
    """The cached fast model for ``source``, built first if missing.

    ``validate(path)`` (optional) is called on the freshly built file before it is published
    and may raise to reject it. Raises on any failure; the caller falls back to ``source``.
    """
    global build_count
    target = fast_model_path(source, directory)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock, _file_lock(target.with_name(target.name + ".lock")):
        if target.is_file():  # another thread or process built it while we waited
            return target
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="build-", dir=target.parent) as tmp:
            work = Path(tmp)
            built = work / "fast.onnx"
            convert_in_child(source, built, work)
            if validate is not None:
                validate(built)
            os.replace(built, target)  # same filesystem (tmp is in target's folder): atomic
        build_count += 1
        log.info("built %s in %.1f s", target, time.perf_counter() - started)
    return target


if __name__ == "__main__":  # the child of convert_in_child: SOURCE OUT WORKDIR
    convert(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
