"""OCR engine interface and the offline default, RapidOCR (PyPI `rapidocr` 3.x + onnxruntime).

rapidocr ships its ONNX models inside the wheel (PP-OCRv6 small det/rec), so nothing is
downloaded; the import and the first inference are slow (~3 s), so the engine loads lazily and
`warmup()` lets a worker pay that before the first real frame. onnxruntime is limited to
`threads` (default 2) so OCR never takes more than its share of a small machine.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Recognition drops the space before a time set a little apart ("Priya Raman9:41 AM").
_GLUED_TIME = re.compile(r"(?<=[A-Za-z])(?=\d{1,2}:\d{2}(?!\d))")


@dataclass(frozen=True)
class OcrLine:
    """One recognised line: text, box (x0, y0, x1, y1) in frame pixels, confidence 0..1."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    def to_dict(self) -> dict:
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4)}


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        """Lines in an H×W×3 RGB uint8 image, in reading order."""
        ...


def centre_y(line: OcrLine) -> float:
    return (line.box[1] + line.box[3]) / 2


def rows_of(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Lines grouped into rows (vertical centres within half a line of the row's), top to
    bottom, each row left to right: a table row stays one row."""
    rows: list[list[OcrLine]] = []
    centres: list[float] = []
    for line in sorted(lines, key=centre_y):
        centre = centre_y(line)
        if rows:
            height = min(line.height, max(ln.height for ln in rows[-1]))
            if abs(centres[-1] - centre) <= max(4, height / 2):
                rows[-1].append(line)
                centres[-1] = sum(centre_y(ln) for ln in rows[-1]) / len(rows[-1])
                continue
        rows.append([line])
        centres.append(centre)
    return [sorted(row, key=lambda ln: ln.box[0]) for row in rows]


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top-to-bottom rows, each left to right."""
    return [ln for row in rows_of(lines) for ln in row]


def lines_text(lines: list[OcrLine]) -> str:
    return "\n".join(line.text for line in lines)


class RapidOcrEngine:
    """RapidOCR with bundled models; thread-safe (one inference at a time), loads on first use."""

    name = "rapidocr"

    def __init__(
        self,
        threads: int = 2,
        min_confidence: float = 0.5,
        use_cls: bool = False,
        det_max_side: int = 1280,
    ):
        self.threads = max(1, int(threads))
        self.det_max_side = int(det_max_side)
        self.min_confidence = float(min_confidence)
        self.use_cls = use_cls  # screens are upright: skipping the angle classifier saves time
        self._engine = None
        self._lock = threading.Lock()
        self.last_seconds = 0.0

    def _load(self):
        if self._engine is None:
            try:
                from rapidocr import RapidOCR
            except ImportError as exc:
                raise RuntimeError("offline OCR needs `pip install rapidocr onnxruntime`") from exc
            try:  # rapidocr's OpenCV pre-processing would otherwise use every core
                import cv2

                cv2.setNumThreads(self.threads)
            except (ImportError, AttributeError):
                pass
            self._engine = RapidOCR(
                params={
                    "Global.log_level": "error",
                    "Global.use_cls": self.use_cls,
                    "Global.text_score": self.min_confidence,
                    "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    # "max" keeps crops at their size (the default "min" blows a 60 px strip
                    # up to 736 px) and detects on a 1080p frame scaled to 1280 px: detection
                    # is 2× faster and still finds 11 px text; recognition reads full-res crops.
                    "Det.limit_type": "max",
                    "Det.limit_side_len": self.det_max_side,
                }
            )
        return self._engine

    def warmup(self, width: int = 1920, height: int = 1080) -> None:
        """Load the models and run one full-size inference (the first ones are ~3× slower)."""
        img = np.full((height, width, 3), 255, np.uint8)
        for y in range(40, min(height, 400), 60):
            img[y : y + 16, 40 : min(width, 600) : 3] = 0
        self.recognize(img)

    def recognize(self, image: np.ndarray) -> list[OcrLine]:
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"OCR wants H×W×3 uint8 RGB, got {image.shape} {image.dtype}")
        with self._lock:
            engine = self._load()
            started = time.perf_counter()
            # rapidocr expects OpenCV's BGR order for arrays.
            out = engine(np.ascontiguousarray(image[:, :, ::-1]))
            self.last_seconds = time.perf_counter() - started
        if out is None or out.boxes is None or out.txts is None:
            return []
        lines = []
        for box, text, score in zip(out.boxes, out.txts, out.scores, strict=False):
            text = _GLUED_TIME.sub(" ", str(text).strip())
            if not text or float(score) < self.min_confidence:
                continue
            pts = np.asarray(box, dtype=float)
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            lines.append(OcrLine(text, (int(x0), int(y0), int(x1), int(y1)), float(score)))
        return reading_order(lines)


class IncrementalOcr:
    """Re-read only what changed: keep the previous frame's lines, OCR the changed region.

    A screen change is usually local (a new chat message, a typed line), and OCR time grows
    with the area read, so this cuts a ~1 s full-frame pass to a fraction. Lines touching the
    changed region are dropped and replaced by the crop's lines; a large change (more than
    `full_fraction` of the frame) or a size change reads the whole frame.
    """

    def __init__(self, engine: OcrEngine, margin: int = 24, full_fraction: float = 0.4):
        self.engine = engine
        self.margin = margin
        self.full_fraction = full_fraction
        self._prev_frame: np.ndarray | None = None
        self._prev_lines: list[OcrLine] = []

    def reset(self) -> None:
        self._prev_frame, self._prev_lines = None, []

    def recognize(self, frame: np.ndarray) -> list[OcrLine]:
        from copilot.vision.change import changed_box

        prev = self._prev_frame
        box = None if prev is None or prev.shape != frame.shape else changed_box(prev, frame)
        h, w = frame.shape[:2]
        if prev is not None and prev.shape == frame.shape and box is None:
            lines = list(self._prev_lines)
        elif box is None or box[2] * box[3] > self.full_fraction * w * h:
            lines = self.engine.recognize(frame)
        else:
            x0, y0 = max(0, box[0] - self.margin), max(0, box[1] - self.margin)
            x1, y1 = min(w, box[0] + box[2] + self.margin), min(h, box[1] + box[3] + self.margin)
            # Grow the crop to whole old lines it cuts through, so no line is read half.
            for line in self._prev_lines:
                if _overlaps(line.box, (x0, y0, x1, y1)):
                    x0, y0 = min(x0, line.box[0]), min(y0, line.box[1])
                    x1, y1 = max(x1, line.box[2]), max(y1, line.box[3])
            x0, y0, x1, y1 = max(0, x0 - 4), max(0, y0 - 4), min(w, x1 + 4), min(h, y1 + 4)
            region = (x0, y0, x1, y1)
            kept = [ln for ln in self._prev_lines if not _overlaps(ln.box, region)]
            fresh = [
                OcrLine(
                    ln.text,
                    (ln.box[0] + x0, ln.box[1] + y0, ln.box[2] + x0, ln.box[3] + y0),
                    ln.confidence,
                )
                for ln in self.engine.recognize(np.ascontiguousarray(frame[y0:y1, x0:x1]))
            ]
            lines = reading_order(kept + fresh)
        self._prev_frame, self._prev_lines = frame, lines
        return lines


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
