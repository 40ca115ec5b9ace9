"""Sample a frame source at a fixed rate in a named thread and hand on only changed frames.

Pacing uses a monotonic clock and `threading.Event.wait` until the next deadline (no sleep
polling); `pause()`, `resume()` and `stop()` wake the thread at once. While paused nothing is
grabbed at all. A live display is read as BGRA and only thumbnailed (≈3 ms for 1080p); the
RGB copy, the window query and the privacy filter run only when the screen changed, which is
what keeps a static screen nearly free.

Callbacks run on the sampler thread and must be quick (hand the frame to a queue):
  on_frame(frame, pts, changed, info)  frame: H×W×3 uint8 RGB (a fresh array, the callee may
                                       keep it); pts: seconds since `pts_origin`; info: FrameInfo
  on_tick(pts)                         after every sample (lets an indexer close time batches)
  on_error(exc)                        the source failed (no display, corrupt replay); the
                                       sampler stops
  on_end()                             a replay source ran out
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from copilot.vision.change import Change, ChangeDetector, thumbnail
from copilot.vision.privacy import PrivacyFilter

log = logging.getLogger(__name__)

PACES = ("realtime", "fast")


@dataclass(frozen=True)
class FrameInfo:
    """What the sampler knew about a frame: windows (after privacy), redactions, the change."""

    source_id: str
    index: int
    change: Change
    windows: object = None  # WindowSnapshot | None (privacy-cleaned)
    redacted: tuple = ()
    wall_time: float = 0.0

    @property
    def active_window(self):
        return self.windows.active if self.windows is not None else None


@dataclass
class SamplerStats:
    samples: int = 0
    changed: int = 0
    emitted: int = 0
    privacy_dropped: int = 0
    callback_errors: int = 0
    thread_cpu_s: float = 0.0
    extra: dict = field(default_factory=dict)


class Sampler:
    """Grab `source` at `fps`; call `on_frame` for changed frames (all frames if emit_unchanged).

    pace="realtime" follows the wall clock (the only choice for live displays) — a replay at
    `speed` times real time (4: a minute of recording in 15 s; `fps` stays per second of the
    recording, so the same frames are sampled at any speed); pace="fast" walks a replay
    timeline as fast as the callbacks allow (tests, demos, backfills).
    """

    def __init__(
        self,
        source,
        on_frame: Callable[[np.ndarray, float, bool, FrameInfo], None],
        *,
        fps: float = 1.0,
        pace: str = "realtime",
        speed: float = 1.0,
        detector: ChangeDetector | None = None,
        privacy: PrivacyFilter | None = None,
        emit_first: bool = True,
        emit_unchanged: bool = False,
        on_tick: Callable[[float], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_end: Callable[[], None] | None = None,
        pts_origin: float | None = None,
        name: str | None = None,
    ):
        if fps <= 0 or not math.isfinite(fps):
            raise ValueError(f"fps must be positive, not {fps!r}")
        if pace not in PACES:
            raise ValueError(f"pace must be one of {PACES}, not {pace!r}")
        if speed <= 0 or not math.isfinite(speed):
            raise ValueError(f"speed must be positive, not {speed!r}")
        if pace == "fast" and getattr(source, "live", False):
            raise ValueError("pace='fast' needs a replay source; a live display runs in real time")
        if speed != 1 and getattr(source, "live", False):
            raise ValueError("speed needs a replay source; a live display runs in real time")
        self.source = source
        self.on_frame = on_frame
        self.fps = float(fps)
        self.pace = pace
        self.speed = float(speed)
        self.detector = detector or ChangeDetector()
        self.privacy = privacy or PrivacyFilter()
        self.emit_first = emit_first
        self.emit_unchanged = emit_unchanged
        self.on_tick, self.on_error, self.on_end = on_tick, on_error, on_end
        self.pts_origin = pts_origin
        self.name = name or f"vision-sampler-{getattr(source, 'id', 'source')}"
        self.stats = SamplerStats()
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._stop = False
        self._paused = False
        self._thread: threading.Thread | None = None
        self._ref_raw: np.ndarray | None = None
        self._ref_emit: np.ndarray | None = None

    # -- control (any thread) -------------------------------------------------------------
    def start(self) -> Sampler:
        if self._thread is not None:
            raise RuntimeError("sampler already started")
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def pause(self) -> None:
        self._paused = True
        self._wake.set()

    def resume(self) -> None:
        self._paused = False
        self._wake.set()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop = True
        self._wake.set()
        self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # -- the thread -----------------------------------------------------------------------
    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        cpu0 = time.thread_time()
        try:
            self.source.open()
            self._loop()
        except Exception as exc:
            self.error = exc
            log.warning("sampler %s stopped: %s", self.name, exc)
            if self.on_error is not None:
                self.on_error(exc)
        finally:
            try:
                self.source.close()
            except Exception:  # pragma: no cover - closing is best effort
                log.exception("closing %s", self.name)
            self.stats.thread_cpu_s = time.thread_time() - cpu0

    def _loop(self) -> None:
        live = bool(getattr(self.source, "live", False))
        period = 1.0 / self.fps  # between samples, in source time
        step = period / self.speed  # …and on the wall clock, at pace="realtime"
        t0 = time.monotonic()
        origin = self.pts_origin if self.pts_origin is not None else t0
        i = 0
        while not self._stop:
            if self._paused:
                paused_at = time.monotonic()
                while self._paused and not self._stop:
                    self._wake.wait()
                    self._wake.clear()
                if self._stop:
                    break
                if live:  # the world went on: next sample now
                    i = math.ceil((time.monotonic() - t0) / step)
                else:  # a replay's timeline pauses with us
                    t0 += time.monotonic() - paused_at
            if self.pace == "realtime":
                self._wait(t0 + i * step - time.monotonic())
                if self._stop or self._paused:
                    continue
            now = time.monotonic()
            pts = (now - origin) if live else i * period
            raw = self.source.read(None if live else i * period)
            if raw is None:
                if self.on_end is not None:
                    self.on_end()
                break
            self._sample(raw, pts, i)
            self._call(self.on_tick, pts)
            i += 1
            if self.pace == "realtime" and time.monotonic() - (t0 + i * step) > step:
                i = math.ceil((time.monotonic() - t0) / step)  # fell behind: skip, don't burst

    def _sample(self, raw: np.ndarray, pts: float, index: int) -> None:
        self.stats.samples += 1
        thumb = thumbnail(raw)
        change = self.detector.compare(thumb, self._ref_raw)
        if not change.changed and not self.emit_unchanged:
            return
        if change.changed:
            self._ref_raw = thumb
        windows = self.source.windows()
        frame = self.source.to_rgb(raw)
        if frame is raw:
            frame = frame.copy()  # never hand out a buffer the source will reuse
        result = self.privacy.apply(frame, windows)
        if result.dropped:
            self.stats.privacy_dropped += 1
            return
        emit_thumb = thumbnail(result.frame) if result.frame is not frame else thumb
        if self._ref_emit is None and not self.emit_first:
            self._ref_emit = emit_thumb  # the first frame is only the reference
            return
        if self.privacy:  # judge the change on what will actually be seen
            change = self.detector.compare(emit_thumb, self._ref_emit)
        if change.changed:
            self._ref_emit = emit_thumb
            self.stats.changed += 1
        elif not self.emit_unchanged:
            return
        info = FrameInfo(
            source_id=str(getattr(self.source, "id", "")),
            index=index,
            change=change,
            windows=result.windows,
            redacted=tuple(result.redacted),
            wall_time=time.time(),
        )
        self.stats.emitted += 1
        self._call(self.on_frame, result.frame, pts, change.changed, info)

    def _call(self, fn, *args) -> None:
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:
            self.stats.callback_errors += 1
            log.exception("sampler %s: callback %r failed", self.name, fn)
