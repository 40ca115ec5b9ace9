"""Visual indexing without the runtime: changed frames in, visual-index results out.

Feed it from a Sampler (`on_frame`, `on_tick`); it runs OCR, stores keyframes, groups frames
into batches and calls `on_result(VisualIndexResult)` from its own worker thread ("vision-
indexer"), so sampling never waits for OCR or a model. The hand-over is a bounded queue: when
OCR falls behind, the oldest waiting frame is dropped and counted in `stats.dropped`.

Batches (`batch_config={"type": "time", "value": secs, "frame_count": n}`): a batch opens at the
first changed frame and closes when it holds `n` frames or `secs` seconds of stream time have
passed since it opened (seen through `on_tick`), or on flush/stop. A static screen opens no
batch, so it produces no result. With n=1 every change becomes a result as soon as its OCR is
done (≈0.2 s for a local change thanks to incremental OCR, ~1.2 s for a full 1080p frame).

Engines: offline (default) = OCR of the batch's last frame + the active window's title/app,
turned into a sentence by `describe_screen`; with `model` set, the batch's frames and the
prompt go to that vision model (`vlm.describe_frames`) and its answer is the text. If the
model fails, the offline sentence is used and `result.error` says why (and `on_error` is
called). OCR runs in both cases: `ocr_text` is what search indexes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from copilot.vision.describe import describe_screen
from copilot.vision.ocr import IncrementalOcr, OcrLine, lines_text
from copilot.vision.vlm import VlmConfig, VlmError, describe_frames

log = logging.getLogger(__name__)

DEFAULT_PROMPT = "Describe what the user is doing"


@dataclass(frozen=True)
class BatchConfig:
    type: str = "time"
    value: float = 2.0
    frame_count: int = 1

    @classmethod
    def parse(cls, config: dict | BatchConfig | None) -> BatchConfig:
        if config is None:
            return cls()
        if isinstance(config, BatchConfig):
            return config
        unknown = set(config) - {"type", "value", "frame_count"}
        if unknown:
            raise ValueError(f"unknown batch_config keys: {sorted(unknown)}")
        out = cls(
            type=str(config.get("type", "time")),
            value=float(config.get("value", cls.value)),
            frame_count=int(config.get("frame_count", cls.frame_count)),
        )
        if out.type != "time":
            raise ValueError(f"batch_config type must be 'time', not {out.type!r}")
        if out.value <= 0 or out.frame_count < 1:
            raise ValueError("batch_config needs value > 0 and frame_count >= 1")
        return out


@dataclass(frozen=True)
class VisualIndexResult:
    """One visual-index result; `to_event()` gives the fields of an index event."""

    text: str
    start: float
    end: float
    keyframe_paths: tuple[str, ...]
    ocr_text: str
    kind: str = ""
    window_title: str = ""
    window_app: str = ""
    engine: str = "ocr"
    frame_count: int = 1
    error: str | None = None

    def to_event(self) -> dict:
        return {
            "type": "index",
            "index_type": "visual",
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class IndexerStats:
    frames_in: int = 0
    dropped: int = 0
    ocr_frames: int = 0
    ocr_seconds: float = 0.0
    results: int = 0
    vlm_errors: int = 0


@dataclass
class _Item:
    frame: np.ndarray
    pts: float
    info: object
    lines: list[OcrLine] = field(default_factory=list)
    keyframe: str | None = None


class VisualIndexer:
    """OCR + keyframes + batching in one worker thread; thread-safe `on_frame` / `on_tick`."""

    def __init__(
        self,
        on_result: Callable[[VisualIndexResult], None],
        *,
        prompt: str = DEFAULT_PROMPT,
        batch_config: dict | BatchConfig | None = None,
        model: str | VlmConfig | None = None,
        ocr_engine=None,
        keyframes=None,
        incremental_ocr: bool = True,
        queue_size: int = 8,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "vision-indexer",
    ):
        self.on_result = on_result
        self.prompt = prompt or DEFAULT_PROMPT
        self.batch = BatchConfig.parse(batch_config)
        self.vlm = VlmConfig(model) if isinstance(model, str) else model
        if ocr_engine is None:
            from copilot.vision.ocr import RapidOcrEngine

            ocr_engine = RapidOcrEngine()
        self.engine = ocr_engine
        self._ocr = IncrementalOcr(ocr_engine) if incremental_ocr else None
        self.keyframes = keyframes
        self.queue_size = max(1, int(queue_size))
        self.on_error = on_error
        self.name = name
        self.stats = IndexerStats()
        self.ready = threading.Event()
        self._cond = threading.Condition()
        self._items: deque[_Item] = deque()
        self._latest_pts = float("-inf")
        self._deadline: float | None = None
        self._flush = False
        self._stop = False
        self._busy = False
        self._batch: list[_Item] = []
        self._thread: threading.Thread | None = None

    # -- producer side (any thread) -------------------------------------------------------
    def start(self) -> VisualIndexer:
        if self._thread is not None:
            raise RuntimeError("indexer already started")
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def on_frame(self, frame: np.ndarray, pts: float, changed: bool = True, info=None) -> None:
        """Sampler callback: queue a changed frame (unchanged ones only advance the clock)."""
        if not changed:
            self.on_tick(pts)
            return
        with self._cond:
            self.stats.frames_in += 1
            self._items.append(_Item(frame, float(pts), info))
            while len(self._items) > self.queue_size:
                self._items.popleft()
                self.stats.dropped += 1
            self._latest_pts = max(self._latest_pts, float(pts))
            self._cond.notify()

    def on_tick(self, pts: float) -> None:
        """Sampler callback after every sample: lets a time batch close on a static screen."""
        deadline = self._deadline
        self._latest_pts = max(self._latest_pts, float(pts))
        if deadline is not None and pts >= deadline:
            with self._cond:
                self._cond.notify()

    def flush(self, timeout: float | None = 30.0) -> None:
        """Process everything queued and close the open batch; returns when done."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flush = True
            self._cond.notify()
            while self._flush or self._items or self._busy:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._cond.wait(left)

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish queued frames, close the open batch, end the worker."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- worker ---------------------------------------------------------------------------
    def _due(self) -> bool:
        return self._deadline is not None and self._latest_pts >= self._deadline

    def _run(self) -> None:
        warm = getattr(self.engine, "warmup", None)
        if warm is not None:
            try:
                warm()
            except Exception as exc:  # the first real frame will raise again, visibly
                log.warning("OCR warm-up failed: %s", exc)
        self.ready.set()
        while True:
            with self._cond:
                while not (self._items or self._stop or self._flush or self._due()):
                    self._cond.wait()
                item = self._items.popleft() if self._items else None
                flushing, stopping = self._flush, self._stop
                self._busy = True
            try:
                if item is not None:
                    self._process(item)
                elif self._due():
                    self._close(self._deadline)
                elif flushing or stopping:
                    self._close(None)
            except Exception as exc:
                log.exception("visual indexer failed on a frame")
                if self.on_error is not None:
                    self.on_error(exc)
            with self._cond:
                self._busy = False
                if item is None and flushing and not self._items:
                    self._flush = False
                self._cond.notify_all()
                if stopping and not self._items and not self._batch:
                    return

    def _process(self, item: _Item) -> None:
        if self._batch and self._deadline is not None and item.pts >= self._deadline:
            self._close(self._deadline)
        started = time.perf_counter()
        if self._ocr is not None:
            item.lines = self._ocr.recognize(item.frame)
        else:
            item.lines = self.engine.recognize(item.frame)
        self.stats.ocr_frames += 1
        self.stats.ocr_seconds += time.perf_counter() - started
        window = _window(item.info)
        if self.keyframes is not None:
            kf = self.keyframes.add(
                item.frame,
                item.pts,
                ocr_text=lines_text(item.lines),
                window={"title": window[0], "app": window[1]} if any(window) else None,
            )
            item.keyframe = str(kf.path)
        if self.vlm is None:
            item.frame = item.frame[:0]  # the pixels are no longer needed: free them now
        if not self._batch:
            self._deadline = item.pts + self.batch.value
        self._batch.append(item)
        if len(self._batch) >= self.batch.frame_count:
            self._close(item.pts)

    def _close(self, end: float | None) -> None:
        batch, self._batch, self._deadline = self._batch, [], None
        if not batch:
            return
        last = batch[-1]
        title, app = _window(last.info)
        desc = describe_screen(last.lines, title=title, app=app, prompt=self.prompt)
        text, engine, error = desc.text, "ocr", None
        first_title, first_app = _window(batch[0].info)
        if len(batch) > 1 and (first_title, first_app) != (title, app) and first_title:
            before = describe_screen([], title=first_title, app=first_app)
            label = f"'{before.document}'" if before.document else first_title
            if before.app:
                label += f" in {before.app}"
            if text.startswith("User is viewing "):
                text = f"User switched from {label} to " + text[len("User is viewing ") :]
        if self.vlm is not None:
            try:
                text = describe_frames([it.frame for it in batch], self.prompt, self.vlm)
                engine = f"vlm:{self.vlm.model}"
            except VlmError as exc:
                self.stats.vlm_errors += 1
                error = str(exc)
                if self.on_error is not None:
                    self.on_error(exc)
        seen, ocr_lines = set(), []
        for it in batch:
            for line in it.lines:
                if line.text not in seen:
                    seen.add(line.text)
                    ocr_lines.append(line.text)
        result = VisualIndexResult(
            text=text,
            start=batch[0].pts,
            end=max(last.pts, end if end is not None else last.pts),
            keyframe_paths=tuple(it.keyframe for it in batch if it.keyframe),
            ocr_text="\n".join(ocr_lines),
            kind=desc.kind,
            window_title=title,
            window_app=app,
            engine=engine,
            frame_count=len(batch),
            error=error,
        )
        self.stats.results += 1
        try:
            self.on_result(result)
        except Exception:
            log.exception("visual index on_result callback failed")


def _window(info) -> tuple[str, str]:
    active = getattr(info, "active_window", None) if info is not None else None
    if active is None:
        return "", ""
    return active.title, active.app
