"""Visual indexing without the runtime: changed frames in, one result per scene out.

Feed it from a Sampler (`on_frame`, `on_tick`); it runs OCR, stores keyframes, groups frames
into scenes and calls `on_result(VisualIndexResult)` from its own worker thread ("vision-
indexer"), so sampling never waits for OCR or a model. The hand-over is a bounded queue: when
OCR falls behind a live screen, the oldest waiting frame is dropped and counted in
`stats.dropped` (the scene before it then ends where the dropped change was). A replay
(`realtime=False`) never drops: frames past the queue size wait zlib-compressed (~30× smaller).

Scenes (`batch_config={"type": "time", "value": secs, "frame_count": n}`): a scene opens at a
changed frame; its batch takes up to `n` changed frames within `secs` seconds of stream time.
The batch's result (revision 0) is handed on when it is full or its time is up (seen through
`on_tick`, so a static screen closes it too); the scene ends at the next change that opens a
new batch, or at `stop()` — then the same result comes again as revision 1 with the final end.
A static screen opens no scene. With n=1 every change is a scene, read in ≈0.2 s for a local
change thanks to incremental OCR, ~1.2 s for a full 1080p frame.

Engines: offline (default) = OCR + the window's title/app (or the title bar read off the
screen), turned into a sentence by `describe_screen`; it cannot follow a prompt (the result's
`prompt` is None and a warning is logged once). With `model` set, the batch's frames and the
prompt go to that vision model (`vlm.describe_frames`) and its answer is the text; if it fails,
the offline sentence is used and `result.error` says why (and `on_error` is called). OCR runs
in both cases: `ocr_text` is what search indexes.

Secrets (the sensitive-content detectors on the screen's text) are always located
(`result.regions`); with `redact=True` they are replaced by `[REDACTED:<kind>]` in the text
and painted black in the stored keyframes and in frames sent to a model, and `on_secrets(pts,
regions, (w, h))` lets the caller black out other copies of the frame (the screen recording).
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from copilot.ids import new_id
from copilot.vision.describe import describe_screen
from copilot.vision.layout import ScreenText, layout
from copilot.vision.ocr import IncrementalOcr
from copilot.vision.scenes import BatchConfig, VisualIndexResult
from copilot.vision.sensitive import find_secrets, paint, redacted
from copilot.vision.vlm import VlmConfig, VlmError, describe_frames

log = logging.getLogger(__name__)

DEFAULT_PROMPT = "Describe what the user is doing"
__all__ = ["DEFAULT_PROMPT", "BatchConfig", "VisualIndexResult", "VisualIndexer"]


@dataclass
class IndexerStats:
    frames_in: int = 0
    dropped: int = 0
    spilled: int = 0  # replay frames that waited compressed
    ocr_frames: int = 0
    ocr_seconds: float = 0.0
    results: int = 0
    scenes: int = 0
    secrets: int = 0
    vlm_errors: int = 0


@dataclass
class _Item:
    frame: np.ndarray | None
    pts: float
    info: object
    packed: tuple | None = None
    screen: ScreenText | None = None
    regions: list = field(default_factory=list)
    keyframe: str | None = None
    clear_text: str | None = None  # the screen's text before redaction (memory only)

    def pack(self) -> None:
        f = self.frame
        self.packed = (zlib.compress(f.tobytes(), 1), f.shape, f.dtype)
        self.frame = None

    def unpack(self) -> None:
        if self.packed is not None:
            data, shape, dtype = self.packed
            self.frame = np.frombuffer(zlib.decompress(data), dtype).reshape(shape).copy()
            self.packed = None


class VisualIndexer:
    """OCR + keyframes + scenes in one worker thread; thread-safe `on_frame` / `on_tick`."""

    def __init__(
        self,
        on_result: Callable[[VisualIndexResult], None],
        *,
        prompt: str | None = None,
        batch_config: dict | BatchConfig | None = None,
        model: str | VlmConfig | None = None,
        ocr_engine=None,
        keyframes=None,
        incremental_ocr: bool = True,
        queue_size: int = 8,
        realtime: bool = True,
        redact: bool = False,
        min_confidence: float = 0.7,
        on_secrets: Callable[[float, list, tuple[int, int]], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "vision-indexer",
    ):
        self.on_result = on_result
        self.prompt = prompt or DEFAULT_PROMPT
        self.batch = BatchConfig.parse(batch_config)
        self.vlm = VlmConfig(model) if isinstance(model, str) else model
        if self.vlm is None and prompt and prompt != DEFAULT_PROMPT:
            log.warning(
                "the offline visual describer cannot follow the prompt %r: it describes the "
                "screen and its text the same way for any prompt (the prompt's words only "
                "choose what to quote first); set a vision model to have the prompt answered",
                prompt,
            )
        if ocr_engine is None:
            from copilot.vision.ocr import RapidOcrEngine

            ocr_engine = RapidOcrEngine()
        self.engine = ocr_engine
        self._ocr = IncrementalOcr(ocr_engine) if incremental_ocr else None
        self.keyframes = keyframes
        self.queue_size = max(1, int(queue_size))
        self.realtime = realtime
        self.redact = redact
        self.min_confidence = min_confidence
        self.on_secrets = on_secrets
        self.on_error = on_error
        self.name = name
        self.stats = IndexerStats()
        self.ready = threading.Event()
        self._cond = threading.Condition()
        self._items: deque[_Item] = deque()
        self._gap: float | None = None  # when a dropped change happened (the next scene's start)
        self._latest_pts = float("-inf")
        self._last_tick: float | None = None
        self._period = 1.0  # sampling period, learnt from the ticks
        self._deadline: float | None = None
        self._flush = False
        self._stop = False
        self._busy = False
        self._batch: list[_Item] = []
        self._open: VisualIndexResult | None = None  # the last scene, until it ends
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
            item = _Item(frame, float(pts), info)
            if not self.realtime and len(self._items) >= self.queue_size:
                item.pack()
                self.stats.spilled += 1
            self._items.append(item)
            while self.realtime and len(self._items) > self.queue_size:
                lost = self._items.popleft()
                self._gap = lost.pts if self._gap is None else min(self._gap, lost.pts)
                self.stats.dropped += 1
            self._latest_pts = max(self._latest_pts, float(pts))
            self._cond.notify()

    def on_tick(self, pts: float) -> None:
        """Sampler callback after every sample: time moves on a static screen too."""
        pts = float(pts)
        with self._cond:
            if self._last_tick is not None and pts > self._last_tick:
                self._period = pts - self._last_tick
            self._last_tick = pts
            self._latest_pts = max(self._latest_pts, pts)
            if self._deadline is not None and pts >= self._deadline:
                self._cond.notify()

    def flush(self, timeout: float | None = 30.0) -> None:
        """Process everything queued and hand on the open batch; returns when done (the last
        scene stays open: the screen has not changed)."""
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
        """Finish queued frames, hand on the open batch, end the last scene, end the worker."""
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
                gap, self._gap = (self._gap, None) if item is not None else (None, self._gap)
                flushing, stopping = self._flush, self._stop
                self._busy = True
            try:
                if item is not None:
                    self._process(item, gap)
                elif self._due() or flushing or stopping:
                    self._close()
                if item is None and stopping:
                    self._end_scene(None)
            except Exception as exc:
                log.exception("visual indexer failed on a frame")
                if self.on_error is not None:
                    self.on_error(exc)
            with self._cond:
                self._busy = False
                if item is None and flushing and not self._items:
                    self._flush = False
                self._cond.notify_all()
                if stopping and not self._items and not self._batch and self._open is None:
                    return

    def _process(self, item: _Item, gap: float | None) -> None:
        if self._batch and self._deadline is not None and item.pts >= self._deadline:
            self._close()
        if not self._batch:  # a new scene: the one before ended when the screen changed
            self._end_scene(gap if gap is not None else item.pts)
        item.unpack()
        frame = item.frame
        started = time.perf_counter()
        lines = (self._ocr or self.engine).recognize(frame)
        self.stats.ocr_frames += 1
        self.stats.ocr_seconds += time.perf_counter() - started
        screen = layout(lines, (frame.shape[1], frame.shape[0]))
        regions, findings = find_secrets(screen, self.min_confidence)
        item.regions = regions
        if regions:
            self.stats.secrets += len(findings)
        if self.redact and regions:
            item.clear_text = screen.text
            screen = redacted(screen, findings)
            frame = item.frame = paint(frame, regions)
            if self.on_secrets is not None:
                self.on_secrets(item.pts, regions, (frame.shape[1], frame.shape[0]))
        item.screen = screen
        title, app = _window(item.info)
        if self.keyframes is not None:
            kf = self.keyframes.add(
                frame,
                item.pts,
                ocr_text=screen.text,
                window={"title": title, "app": app} if title or app else None,
            )
            item.keyframe = str(kf.path)
        if self.vlm is None:
            item.frame = frame[:0]  # the pixels are no longer needed: free them now
        if not self._batch:
            self._deadline = item.pts + self.batch.value
        self._batch.append(item)
        if len(self._batch) >= self.batch.frame_count:
            self._close()

    def _seen_until(self, start: float) -> float:
        """How far the scene that began at `start` has been seen: up to the next change when
        one is known, else the latest sample; at least one sampling period."""
        with self._cond:
            known = [self._items[0].pts] if self._items else []
            if self._gap is not None:
                known.append(self._gap)
            until = min(known) if known else self._latest_pts
            period = self._period
        return until if until > start else start + period

    def _close(self) -> None:
        batch, self._batch, self._deadline = self._batch, [], None
        if not batch:
            return
        result = self._describe(batch)
        self.stats.results += 1
        self.stats.scenes += 1
        self._open = result
        self._hand_on(result)

    def _end_scene(self, end: float | None) -> None:
        scene, self._open = self._open, None
        if scene is None:
            return
        if end is None:
            end = self._seen_until(scene.start)
        self.stats.results += 1
        self._hand_on(scene.ending(max(end, scene.end)))

    def _hand_on(self, result: VisualIndexResult) -> None:
        try:
            self.on_result(result)
        except Exception:
            log.exception("visual index on_result callback failed")

    def _describe(self, batch: list[_Item]) -> VisualIndexResult:
        last = batch[-1]
        title, app = _window(last.info)
        desc = describe_screen(last.screen, title=title, app=app, prompt=self.prompt)
        text, engine, prompt, error = desc.text, "ocr", None, None
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
                engine, prompt = f"vlm:{self.vlm.model}", self.prompt
            except VlmError as exc:
                self.stats.vlm_errors += 1
                error = str(exc)
                if self.on_error is not None:
                    self.on_error(exc)
        rows = _rows(it.screen.text for it in batch)
        clear = None  # what the redacted rows said, for the alert on them (never stored)
        if any(it.clear_text is not None for it in batch):
            clear = "\n".join(_rows(it.clear_text or it.screen.text for it in batch))
        start = batch[0].pts
        return VisualIndexResult(
            text=text,
            start=start,
            end=self._seen_until(start),
            keyframe_paths=tuple(it.keyframe for it in batch if it.keyframe),
            ocr_text="\n".join(rows),
            clear_ocr_text=clear,
            scene_id=new_id("scn"),
            kind=desc.kind,
            window_title=title or desc.title,
            window_app=app,
            engine=engine,
            prompt=prompt,
            frame_count=len(batch),
            regions=tuple(dict.fromkeys(r for it in batch for r in it.regions)),
            error=error,
        )


def _rows(texts) -> list[str]:
    """Every row of the first frame's text, then the rows later frames added."""
    rows: list[str] = []
    for text in texts:
        known = set(rows)
        rows += [row for row in text.split("\n") if row and row not in known]
    return rows


def _window(info) -> tuple[str, str]:
    active = getattr(info, "active_window", None) if info is not None else None
    if active is None:
        return "", ""
    return active.title, active.app
