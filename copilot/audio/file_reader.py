"""Replay an audio file as if it were a live device: 16 kHz mono chunks at real-time pace.

Pacing compares each chunk's timestamp with a monotonic clock started at the first chunk and
waits on a ``threading.Event`` (so ``stop()`` interrupts at once); no drift accumulates.
``speed=None`` (or "max") pushes chunks as fast as the consumer takes them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import numpy as np

from copilot.audio.decode import iter_audio_file
from copilot.audio.resample import TARGET_RATE

log = logging.getLogger(__name__)


def parse_speed(speed: float | str | None) -> float | None:
    """``1``/``"1"`` → 1.0, ``None``/``"max"`` → None (as fast as possible)."""
    if speed is None or (isinstance(speed, str) and speed.strip().lower() in ("max", "")):
        return None
    value = float(speed)
    if value <= 0:
        raise ValueError(f"speed must be > 0 or 'max', got {speed!r}")
    return value


class FileReplayer:
    """Named thread calling ``on_chunk(samples, pts)`` then ``on_end(error_or_None)`` once.

    ``on_end`` gets an ``AudioFileError`` (or any other exception) if the file could not be
    read, and ``None`` after the last chunk or after ``stop()``.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        on_chunk: Callable[[np.ndarray, float], None],
        on_end: Callable[[BaseException | None], None] | None = None,
        *,
        speed: float | str | None = 1.0,
        chunk_ms: int = 20,
        start_pts: float = 0.0,
        name: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.speed = parse_speed(speed)
        self._on_chunk = on_chunk
        self._on_end = on_end
        self._chunk = TARGET_RATE * chunk_ms // 1000
        self._start_pts = start_pts
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            name=name or f"copilot-file:{os.path.basename(self.path)}",
            daemon=True,
        )
        self.samples_sent = 0

    def start(self) -> FileReplayer:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        error: BaseException | None = None
        try:
            t0 = time.monotonic()
            for chunk in iter_audio_file(self.path, self._chunk):
                if self._stop.is_set():
                    break
                offset = self.samples_sent / TARGET_RATE
                if self.speed is not None:
                    delay = t0 + offset / self.speed - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        break
                self._on_chunk(chunk, self._start_pts + offset)
                self.samples_sent += chunk.size
        except Exception as exc:  # reported to the owner, never lost in a thread
            error = exc
        if self._on_end is not None:
            try:
                self._on_end(error)
            except Exception:
                log.exception("on_end callback failed for %s", self.path)
