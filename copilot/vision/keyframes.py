"""Keyframe store: changed frames as compressed images with their times and OCR text.

Layout of the caller's directory: `<pts>.jpg` (or .webp) per keyframe, e.g. `000012.500.jpg`,
and `index.jsonl`, one JSON object per keyframe appended as it is stored:
    {"t": 12.5, "file": "000012.500.jpg", "width": 1920, "height": 1080,
     "ocr_text": "...", "window": {"title": ..., "app": ...}, "meta": {...}}
Appending a line is atomic enough for a crash to lose at most the last keyframe, and a reopened
store reads the index back. `at(t)` answers "what was on screen at t": the last keyframe whose
time is ≤ t (frames are only stored on change, so it stayed on screen until the next one).
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMATS = {"jpeg": ".jpg", "webp": ".webp"}


@dataclass(frozen=True)
class Keyframe:
    t: float
    path: Path
    width: int
    height: int
    ocr_text: str = ""
    window: dict | None = None
    meta: dict = field(default_factory=dict)

    def load(self) -> np.ndarray:
        """Decode back to H×W×3 uint8 RGB."""
        from PIL import Image

        with Image.open(self.path) as img:
            return np.asarray(img.convert("RGB"))


class KeyframeStore:
    """Append-only, thread-safe store of keyframes in one directory."""

    INDEX = "index.jsonl"

    def __init__(
        self,
        directory: str | Path,
        fmt: str = "jpeg",
        quality: int = 80,
        max_side: int | None = None,
    ):
        if fmt not in FORMATS:
            raise ValueError(f"keyframe format must be one of {sorted(FORMATS)}, not {fmt!r}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.fmt, self.quality, self.max_side = fmt, int(quality), max_side
        self._lock = threading.Lock()
        self._frames: list[Keyframe] = []
        self._times: list[float] = []
        self._load_index()

    @property
    def index_path(self) -> Path:
        return self.directory / self.INDEX

    def _load_index(self) -> None:
        if not self.index_path.exists():
            return
        for line in self.index_path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line after a crash
            self._insert(self._from_record(rec))

    def _from_record(self, rec: dict) -> Keyframe:
        return Keyframe(
            t=float(rec["t"]),
            path=self.directory / rec["file"],
            width=int(rec.get("width", 0)),
            height=int(rec.get("height", 0)),
            ocr_text=rec.get("ocr_text", ""),
            window=rec.get("window"),
            meta=rec.get("meta") or {},
        )

    def _insert(self, kf: Keyframe) -> None:
        i = bisect.bisect_right(self._times, kf.t)
        self._times.insert(i, kf.t)
        self._frames.insert(i, kf)

    def add(
        self,
        frame: np.ndarray,
        t: float,
        ocr_text: str = "",
        window: dict | None = None,
        meta: dict | None = None,
    ) -> Keyframe:
        """Compress and store one RGB frame shown from `t` seconds; returns its record."""
        from PIL import Image

        img = Image.fromarray(np.ascontiguousarray(frame[:, :, :3]), "RGB")
        if self.max_side and max(img.size) > self.max_side:
            img.thumbnail((self.max_side, self.max_side))
        with self._lock:
            name = f"{t:010.3f}{FORMATS[self.fmt]}"
            n = 1
            while (self.directory / name).exists():
                n += 1
                name = f"{t:010.3f}-{n}{FORMATS[self.fmt]}"
            path = self.directory / name
            self._save(img, path)
            rec = {
                "t": round(float(t), 3),
                "file": name,
                "width": img.size[0],
                "height": img.size[1],
                "ocr_text": ocr_text,
                "window": window,
                "meta": meta or {},
            }
            with self.index_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            kf = self._from_record(rec)
            self._insert(kf)
        return kf

    def _save(self, img, path: Path) -> None:
        if self.fmt == "jpeg":
            img.save(path, "JPEG", quality=self.quality, optimize=False)
        else:
            img.save(path, "WEBP", quality=self.quality, method=2)

    def repaint(self, t: float, boxes, source_size: tuple[int, int]) -> bool:
        """Paint `boxes` (x0, y0, x1, y1 in a `source_size` = (width, height) frame) black in
        the keyframe stored at time `t`; the file is replaced atomically. False if none is
        stored at `t`."""
        from PIL import Image

        from copilot.vision.sensitive import paint

        with self._lock:
            i = bisect.bisect_left(self._times, t - 5e-4)
            if i >= len(self._times) or abs(self._times[i] - t) > 5e-4:
                return False
            kf = self._frames[i]
            with Image.open(kf.path) as img:
                pixels = np.asarray(img.convert("RGB"))
            scale = (kf.width / source_size[0], kf.height / source_size[1])
            out = Image.fromarray(paint(pixels, boxes, scale), "RGB")
            tmp = kf.path.with_name(f".{kf.path.name}.tmp{kf.path.suffix}")
            self._save(out, tmp)
            shutil.copymode(kf.path, tmp)  # a private recording stays private
            os.replace(tmp, kf.path)
            return True

    def __len__(self) -> int:
        return len(self._frames)

    def all(self) -> list[Keyframe]:
        with self._lock:
            return list(self._frames)

    def at(self, t: float) -> Keyframe | None:
        """The keyframe on screen at `t` (latest with time ≤ t), None before the first."""
        with self._lock:
            i = bisect.bisect_right(self._times, t + 1e-9) - 1
            return self._frames[i] if i >= 0 else None

    def between(self, start: float, end: float) -> list[Keyframe]:
        """Keyframes on screen at any moment of [start, end] (including the one at `start`)."""
        with self._lock:
            lo = max(0, bisect.bisect_right(self._times, start + 1e-9) - 1)
            hi = bisect.bisect_right(self._times, end + 1e-9)
            return list(self._frames[lo:hi])

    def search(self, text: str) -> list[Keyframe]:
        """Keyframes whose OCR text contains `text` (case-insensitive)."""
        needle = text.lower()
        with self._lock:
            return [kf for kf in self._frames if needle in kf.ocr_text.lower()]
