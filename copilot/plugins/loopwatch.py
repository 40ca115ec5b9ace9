"""Notice when the loop stops turning, and name the async hook that held it.

An async hook that blocks (`time.sleep`, a sync HTTP call) freezes every session, socket and
timer on the loop, and `wait_for` cannot time it out: the loop is not running. A daemon
thread posts a heartbeat to the loop; when one has waited longer than the threshold, the
thread reads the loop thread's stack, finds the innermost frame of a plugin's async hook, and
once the loop turns again that call is reported (`blocked_loop`) with how long it held it.
A stall that is no plugin's is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from types import CodeType
from typing import Any

log = logging.getLogger("copilot.plugins")

# (code objects of async hookimpls -> the worker running them); the watchdog asks for it
Culprits = Callable[[], dict[CodeType, Any]]
OnBlocked = Callable[[Any, Any, float], None]  # (worker, its call, seconds), on the loop


class LoopWatch:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        threshold: float,
        culprits: Culprits,
        on_blocked: OnBlocked,
    ) -> None:
        self.loop = loop
        self.threshold = threshold
        self._culprits = culprits
        self._on_blocked = on_blocked
        self._stop = threading.Event()
        self._loop_thread: int | None = None  # learnt by the first heartbeat, or here
        with contextlib.suppress(RuntimeError):
            if asyncio.get_running_loop() is loop:
                self._loop_thread = threading.get_ident()
        self._posted_at: float | None = None  # heartbeat handed to the loop, not yet run
        self._stall: tuple[Any, Any, float] | None = None  # (worker, call, since) when blocked
        self.stalls = 0
        self._thread = threading.Thread(target=self._run, name="copilot-loopwatch", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()

    # -- watch thread --
    def _run(self) -> None:
        interval = max(0.02, self.threshold / 4)
        while not self._stop.wait(interval):
            posted = self._posted_at
            now = time.monotonic()
            if posted is None:
                self._posted_at = now
                try:
                    self.loop.call_soon_threadsafe(self._beat)
                except RuntimeError:  # the loop is closed
                    return
            elif self._stall is None and now - posted > self.threshold:
                worker = self._find_culprit()
                self._stall = (worker, getattr(worker, "current", None), posted)

    def _find_culprit(self) -> Any:
        frame = sys._current_frames().get(self._loop_thread or -1)
        culprits = self._culprits()
        where = None
        while frame is not None:
            worker = culprits.get(frame.f_code)
            if worker is not None:
                return worker
            if where is None:
                where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
            frame = frame.f_back
        self._where = where
        return None

    # -- loop side --
    def _beat(self) -> None:
        self._loop_thread = threading.get_ident()
        stall, self._stall = self._stall, None
        posted, self._posted_at = self._posted_at, None
        if stall is None or posted is None:
            return
        worker, call, since = stall
        held = time.monotonic() - since
        self.stalls += 1
        if worker is None or call is None:
            log.warning(
                "the loop was blocked for %.1f s (no plugin hook on the stack; last seen at %s)",
                held,
                getattr(self, "_where", "?"),
            )
            return
        with contextlib.suppress(Exception):
            self._on_blocked(worker, call, held)
