"""One pipe per captured channel: a bounded frame queue from the source thread to the loop.

Sources call `FrameSink.put` from their own thread. A semaphore counts free slots: a live
source's frame is dropped (and counted) when none is free, a fast replay waits for one. The
frame then hops onto the loop with `call_soon_threadsafe`; a pump task hands frames to the
stream's active features, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from copilot.capture.frame_errors import FrameErrors
from copilot.capture.frames import AudioFrame
from copilot.capture.sources import FrameSink

_END = object()
_MARK = object()  # (_MARK, future): resolved when the pump reaches it
PTS_LEAD = 10.0  # seconds a frame may run ahead of its channel's clock


class PtsGuard:
    """What a channel's frame times can be: at most `PTS_LEAD` seconds past the channel's
    clock, which is the wall-clock time since it opened — or, for a replay running faster
    than real time, the audio it has delivered (a display's: its latest frame). So a jump can
    never make the recorder write more silence than the session has lasted. Non-finite
    times are refused. Not thread-safe: one caller per guard."""

    def __init__(self, lead: float = PTS_LEAD) -> None:
        self.lead = lead
        self.opened = time.monotonic()
        self.audio_seconds = 0.0
        self.latest = 0.0

    def age(self, seconds: float) -> None:
        """The channel opened `seconds` ago (a replica taking a session over goes on with
        the clock of the one that ran it)."""
        self.opened = time.monotonic() - max(0.0, seconds)

    def check(self, frame: Any) -> str | None:
        """None if `frame` may pass (and it is counted), else why it may not."""
        pts = frame.pts
        if not math.isfinite(pts):
            return f"pts {pts} is not a finite number of seconds: frame dropped"
        elapsed = time.monotonic() - self.opened
        audio = isinstance(frame, AudioFrame)
        media, what = (self.audio_seconds, "audio") if audio else (self.latest, "the latest frame")
        clock = max(elapsed, media)
        if pts > clock + self.lead:
            return (
                f"pts {pts:g} s is {pts - clock:.1f} s ahead of the channel's clock"
                f" ({elapsed:.1f} s since it opened, {what} up to {media:.1f} s; at most"
                f" {self.lead:g} s ahead): frame dropped"
            )
        if audio:
            self.audio_seconds += frame.duration
        self.latest = max(self.latest, pts)
        return None


@dataclass
class PipeStats:
    frames: int = 0
    dropped: int = 0
    paused_dropped: int = 0
    media_seconds: float = 0.0
    level_db: float = -math.inf  # last audio frame's RMS level in dBFS
    max_queue: int = 0


class ChannelPipe:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        channel_id: str,
        maxsize: int,
        offset: float,
        consumer: Callable[[Any], None],
        on_end: Callable[[BaseException | None], None],
        on_frame_error: Callable[[str], None] = lambda report: None,
    ) -> None:
        self.loop = loop
        self.channel_id = channel_id
        self.offset = offset  # seconds from session start to the channel's first frame
        self.stats = PipeStats()
        self.paused = False
        self.maxsize = maxsize
        self._consumer = consumer
        self._on_end = on_end
        self._on_frame_error = on_frame_error
        self.errors = FrameErrors("used")
        self._guard = PtsGuard()
        self._queue: asyncio.Queue = asyncio.Queue()  # bounded by _slots, not by asyncio
        self._slots = threading.Semaphore(maxsize)
        self._closed = threading.Event()
        self._released = asyncio.Event()
        self._task = loop.create_task(self._pump(), name=f"copilot-pipe-{channel_id}")
        self.sink = FrameSink(self._put_threadsafe, self._end_threadsafe)

    # -- source thread side --
    def _put_threadsafe(self, frame: Any, wait: bool) -> None:
        if self.paused:
            self.stats.paused_dropped += 1
            return
        if wait:
            while not self._slots.acquire(timeout=0.5):
                if self._closed.is_set():
                    return
        elif not self._slots.acquire(blocking=False):
            self.stats.dropped += 1  # one source thread per pipe writes this counter
            return
        if self._closed.is_set():
            self._slots.release()
            return
        try:
            self.loop.call_soon_threadsafe(self._offer, frame)
        except RuntimeError:  # loop closed during shutdown
            self._slots.release()

    def _end_threadsafe(self, error: BaseException | None) -> None:
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._offer_end, error)

    # -- loop side --
    def _offer(self, frame: Any) -> None:
        self._queue.put_nowait(frame)
        self.stats.max_queue = max(self.stats.max_queue, self._queue.qsize())

    def _offer_end(self, error: BaseException | None) -> None:
        self._queue.put_nowait((_END, error))

    def release(self) -> None:
        """Start handing frames to the consumer (pipes start held; see `sessions.start`)."""
        self._released.set()

    async def _pump(self) -> None:
        await self._released.wait()
        while True:
            item = await self._queue.get()
            if isinstance(item, tuple) and item and item[0] is _END:
                self._closed.set()
                error = item[1]
                if error is None and self.errors.count:  # frames were lost: not a clean end
                    error = RuntimeError(self.errors.summary())
                self._on_end(error)
                return
            if isinstance(item, tuple) and item and item[0] is _MARK:
                if not item[1].done():
                    item[1].set_result(None)
                continue
            self._slots.release()
            try:
                self._take(item)
            except Exception as exc:  # not a frame, or one nothing can use: count, report, go on
                report = self.errors.add(exc)
                if report is not None:
                    self._on_frame_error(report)

    def age(self, seconds: float) -> None:
        """See `PtsGuard.age`."""
        self._guard.age(seconds)

    def _take(self, item: Any) -> None:
        problem = self._guard.check(item)
        if problem is not None:  # counted and reported like any frame that cannot be used
            raise ValueError(problem)
        self.stats.frames += 1
        self.stats.media_seconds += item.duration
        if isinstance(item, AudioFrame) and len(item.samples):
            rms = float(np.sqrt(np.mean(np.square(item.samples, dtype=np.float64))))
            self.stats.level_db = 20 * math.log10(rms) if rms > 0 else -math.inf
        self._consumer(item)

    async def drained(self, timeout: float = 5.0) -> None:
        """Wait (bounded) until the frames queued so far reached the consumer."""
        if self._task.done() or not self._released.is_set():
            return
        mark = self.loop.create_future()
        self._queue.put_nowait((_MARK, mark))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(mark, timeout)

    async def close(self, timeout: float = 5.0) -> None:
        """Let queued frames reach the consumer (bounded), then stop the pump."""
        self._released.set()
        if not self._task.done():
            self._offer_end(None)
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            self._task.cancel()
        self._closed.set()

    def snapshot(self) -> dict[str, Any]:
        s = self.stats
        return {
            "frames": s.frames,
            "dropped": s.dropped,
            "paused_dropped": s.paused_dropped,
            "media_seconds": round(s.media_seconds, 3),
            "level_db": None if s.level_db == -math.inf else round(s.level_db, 1),
            "queue": self._queue.qsize(),
            "max_queue": s.max_queue,
            "frame_errors": self.errors.count,
            "maxsize": self.maxsize,
            "paused": self.paused,
        }
