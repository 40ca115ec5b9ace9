"""The refine pass: re-decode each final utterance with a larger model, in the background.

The live pass (tiny.en, partials and a fast final) must never wait for this one. So the
refine thread runs at a lower CPU priority (``nice``; on Linux a per-thread value, and the
model's worker threads are created from this thread, so they inherit it): when both passes
want the cores, the live decode gets them. Its queue is bounded per real-time stream by
``max_pending_s`` of audio: past that the oldest waiting utterance is dropped (it keeps its
live text), counted per stream and reported through ``on_drop``. Streams replayed faster
than real time (``realtime=False``) are never dropped: the file is their backlog.

The model is loaded by ``load()`` on the refine thread (after its priority is lowered), so a
slow first load never delays the live pass; jobs submitted meanwhile wait in the queue.
``on_result(job, result)`` and ``on_drop(stream_id, dropped)`` are called from the refine
thread; keep them quick. ``flush(stream_id)`` waits until that stream's jobs are done.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from copilot.audio.asr import AsrEngine, AsrResult

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000


@dataclass(eq=False)
class RefineJob:
    """One utterance to decode again; ``context`` is the caller's (what to emit with it)."""

    stream_id: str
    audio: np.ndarray = field(repr=False)
    prompt: str | None = None
    realtime: bool = True
    context: Any = None
    submitted: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return self.audio.size / SAMPLE_RATE


@dataclass
class _Counts:
    pending: int = 0
    running: int = 0
    done: int = 0
    dropped: int = 0
    failed: int = 0


def lower_priority(nice: int) -> None:
    """Make the calling thread (and threads it starts later) yield the CPU to others."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError as exc:  # not permitted here: the pass still works, only less politely
        log.warning("refine pass: could not lower its CPU priority: %s", exc)


class Refiner:
    def __init__(
        self,
        load: Callable[[], AsrEngine],
        on_result: Callable[[RefineJob, AsrResult], None],
        *,
        on_drop: Callable[[str, int], None] | None = None,
        max_pending_s: float = 30.0,
        nice: int = 10,
        thread_name: str = "copilot-asr-refine",
    ) -> None:
        self._load = load
        self._on_result = on_result
        self._on_drop = on_drop
        self._max_pending_s = max_pending_s
        self._nice = nice
        self._queue: deque[RefineJob] = deque()
        self._counts: dict[str, _Counts] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self.engine: AsrEngine | None = None
        self.load_error: BaseException | None = None
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._thread.start()

    # -- caller side ----------------------------------------------------------------------------
    def submit(self, job: RefineJob) -> None:
        """Queue an utterance (never blocks). A real-time stream over its bound drops its
        oldest waiting utterance."""
        dropped: list[RefineJob] = []
        with self._cond:
            if self._stopping or self.load_error is not None:
                return
            counts = self._counts.setdefault(job.stream_id, _Counts())
            self._queue.append(job)
            counts.pending += 1
            if job.realtime:
                dropped = self._bound(job.stream_id)
            self._cond.notify_all()
        for victim in dropped:
            self._call(self._on_drop, victim.stream_id, self._counts[victim.stream_id].dropped)

    def _bound(self, stream_id: str) -> list[RefineJob]:
        mine = [j for j in self._queue if j.stream_id == stream_id and j.realtime]
        waiting = sum(j.seconds for j in mine)
        dropped = []
        while mine and waiting > self._max_pending_s and len(mine) > 1:
            victim = mine.pop(0)
            self._queue.remove(victim)
            waiting -= victim.seconds
            counts = self._counts[stream_id]
            counts.pending -= 1
            counts.dropped += 1
            dropped.append(victim)
        return dropped

    def flush(self, stream_id: str | None = None, timeout: float | None = None) -> bool:
        """Wait until the stream's (or every) queued utterance is refined; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout

        def busy() -> bool:
            chosen = [self._counts.get(stream_id)] if stream_id else list(self._counts.values())
            return any(c is not None and (c.pending or c.running) for c in chosen)

        with self._cond:
            while busy() and self._thread.is_alive() and self.load_error is None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return not busy()

    def forget(self, stream_id: str) -> None:
        with self._cond:
            counts = self._counts.get(stream_id)
            if counts is not None and not (counts.pending or counts.running):
                del self._counts[stream_id]

    def close(self, timeout: float | None = None) -> bool:
        ok = self.flush(None, timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return ok

    def stats(self) -> dict[str, dict[str, int]]:
        with self._cond:
            return {sid: dict(vars(c)) for sid, c in self._counts.items()}

    # -- refine thread ----------------------------------------------------------------------------
    def _run(self) -> None:
        lower_priority(self._nice)
        try:
            self.engine = self._load()
        except Exception as exc:
            log.error("refine pass: loading its model failed, live text stands: %s", exc)
            with self._cond:
                self.load_error = exc
                for job in self._queue:
                    self._counts[job.stream_id].pending -= 1
                self._queue.clear()
                self._cond.notify_all()
            self.ready.set()
            return
        self.ready.set()
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if not self._queue:
                    return
                job = self._queue.popleft()
                counts = self._counts[job.stream_id]
                counts.pending -= 1
                counts.running += 1
            try:
                result = self.engine.transcribe(job.audio, partial=False, prompt=job.prompt)
            except Exception:
                log.exception("refine pass failed on %s; its live text stands", job.stream_id)
                result = None
            try:
                if result is not None:
                    self._call(self._on_result, job, result)
            finally:
                with self._cond:
                    counts.running -= 1
                    if result is None:
                        counts.failed += 1
                    else:
                        counts.done += 1
                    job.audio = np.zeros(0, np.float32)
                    self._cond.notify_all()

    @staticmethod
    def _call(cb: Callable | None, *args: Any) -> None:
        if cb is None:
            return
        try:
            cb(*args)
        except Exception:
            log.exception("refine callback failed")
