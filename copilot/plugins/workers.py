"""Per-plugin workers: a plugin's hooks run in order, isolated from every other plugin.

Sync hooks run on the plugin's own daemon thread (a hung hook holds only that thread; daemon so
it never blocks interpreter exit), async hooks in the plugin's own task on the runtime loop
with `asyncio.wait_for`. Queues are bounded: when a plugin falls behind, events for it are
dropped, counted, and reported once per burst — the publisher never waits for a plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pluggy

from copilot.events import Event

# report(kind, call, detail): "result" | "exception" | "timeout" | "overflow" | "blocked_loop"
Report = Callable[[str, "HookCall", Any], None]
_STOP = object()
log = logging.getLogger("copilot.plugins")


class HookExit(Exception):
    """A hook raised SystemExit/KeyboardInterrupt: a failure of that call, not of the runtime
    (left as they are, they would stop the plugin's thread or the runtime's loop)."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(f"{type(exc).__name__}({exc})" if str(exc) else type(exc).__name__)
        self.original = exc


def safe_report(report: Report, kind: str, call: HookCall, detail: Any) -> None:
    """Hand a report over; one that raises is logged and never stops the worker."""
    try:
        report(kind, call, detail)
    except Exception:
        log.exception("settling a %s of plugin %s failed", kind, call.impl.plugin_name)


@dataclass(slots=True)
class HookCall:
    impl: pluggy.HookImpl
    hook: str
    event: Event
    session: Any

    def invoke(self) -> Any:
        args = {"event": self.event, "session": self.session}
        return self.impl.function(**{k: args[k] for k in self.impl.argnames})


@dataclass
class WorkerStats:
    submitted: int = 0
    completed: int = 0
    failed: int = 0
    timeouts: int = 0
    dropped: int = 0
    blocked_loop: int = 0


class SyncWorker:
    """One daemon thread per plugin for its sync hooks."""

    def __init__(
        self, plugin: str, loop: asyncio.AbstractEventLoop, maxsize: int, timeout: float, report
    ) -> None:
        self.plugin = plugin
        self.loop = loop
        self.timeout = timeout
        self.report: Report = report
        self.stats = WorkerStats()
        self.q: queue.Queue = queue.Queue(maxsize)
        self.busy_since: float | None = None
        self._current: HookCall | None = None
        self._timeout_reported = False
        self._overflowing = False
        self._idle = asyncio.Event()
        self._idle.set()
        self.thread = threading.Thread(target=self._run, name=f"copilot-plugin-{plugin}")
        self.thread.daemon = True
        self.thread.start()

    # -- loop side --
    def submit(self, call: HookCall) -> None:
        self.stats.submitted += 1
        try:
            self.q.put_nowait(call)
        except queue.Full:
            self.stats.dropped += 1
            if not self._overflowing:
                self._overflowing = True
                safe_report(self.report, "overflow", call, self.q.maxsize)
            return
        self._overflowing = False
        self._idle.clear()

    def check_hung(self) -> None:
        """Watchdog: report a call that has run past the timeout (once per call)."""
        started, call = self.busy_since, self._current
        if started is None or call is None or self._timeout_reported:
            return
        if time.monotonic() - started > self.timeout:
            self._timeout_reported = True
            self.stats.timeouts += 1
            self.report("timeout", call, self.timeout)

    @property
    def hung(self) -> bool:
        started = self.busy_since
        return started is not None and time.monotonic() - started > self.timeout

    async def drain(self, timeout: float) -> bool:
        if self.hung:
            return False
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _set_idle(self) -> None:
        if self.q.unfinished_tasks == 0:
            self._idle.set()

    def close(self) -> None:
        with contextlib.suppress(queue.Full):
            self.q.put_nowait(_STOP)

    def join(self, timeout: float) -> bool:
        """Wait (bounded) for the thread to end after `close`: a hook still inside native code
        (an ONNX or CTranslate2 call) when the interpreter exits aborts the whole process."""
        self.thread.join(max(0.0, timeout))
        return not self.thread.is_alive()

    # -- thread side --
    def _run(self) -> None:
        while True:
            call = self.q.get()
            if call is _STOP:
                return
            self._current, self._timeout_reported = call, False
            self.busy_since = time.monotonic()
            try:
                result, kind = call.invoke(), "result"
            except BaseException as exc:  # SystemExit too: this thread serves the next call
                result, kind = (exc if isinstance(exc, Exception) else HookExit(exc)), "exception"
            elapsed = time.monotonic() - self.busy_since
            self.busy_since = None
            late = elapsed > self.timeout and not self._timeout_reported
            self._deliver(kind, call, result, late, elapsed)
            self.q.task_done()
            if self.q.unfinished_tasks == 0:
                self._call_loop(self._set_idle)

    def _deliver(self, kind: str, call: HookCall, result: Any, late: bool, elapsed: float) -> None:
        if kind == "exception":
            self.stats.failed += 1
            self._call_loop(self.report, "exception", call, result)
        else:
            self.stats.completed += 1
            if result is not None:
                self._call_loop(self.report, "result", call, result)
        if late:
            self.stats.timeouts += 1
            self._timeout_reported = True
            self._call_loop(self.report, "timeout", call, elapsed)

    def _call_loop(self, fn, *args) -> None:
        if fn is self.report:
            fn, args = safe_report, (self.report, *args)
        with contextlib.suppress(RuntimeError):  # loop already closed at shutdown
            self.loop.call_soon_threadsafe(fn, *args)


class AsyncWorker:
    """One task per plugin for its async hooks, each awaited with a timeout.

    `current` is the call being awaited (the loop watchdog names it when the loop stalls).
    Whatever a hook does — raise anything, return junk — the task goes on to the next call."""

    def __init__(
        self, plugin: str, loop: asyncio.AbstractEventLoop, maxsize: int, timeout: float, report
    ) -> None:
        self.plugin = plugin
        self.timeout = timeout
        self.report: Report = report
        self.stats = WorkerStats()
        self.q: asyncio.Queue = asyncio.Queue(maxsize)
        self.current: HookCall | None = None
        self._overflowing = False
        self._closing = False
        self.task = loop.create_task(self._run(), name=f"copilot-plugin-{plugin}")

    def submit(self, call: HookCall) -> None:
        self.stats.submitted += 1
        try:
            self.q.put_nowait(call)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            if not self._overflowing:
                self._overflowing = True
                safe_report(self.report, "overflow", call, self.q.maxsize)
            return
        self._overflowing = False

    def check_hung(self) -> None:
        """Async calls time out by themselves (`wait_for`)."""

    async def drain(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.q.join(), timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self._closing = True  # 3.11's wait_for can swallow the cancel of a call that just ended
        self.task.cancel()

    async def _run(self) -> None:
        while not self._closing:
            call = await self.q.get()
            self.current = call
            try:
                kind, detail = await self._call(call)
            finally:
                self.current = None
                self.q.task_done()
            if kind is not None:
                safe_report(self.report, kind, call, detail)

    async def _call(self, call: HookCall) -> tuple[str | None, Any]:
        try:
            result = await asyncio.wait_for(_guarded(call), self.timeout)
        except TimeoutError:
            self.stats.timeouts += 1
            return "timeout", self.timeout
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the worker itself is being closed
            self.stats.failed += 1  # the hook raised CancelledError of its own
            return "exception", exc
        except Exception as exc:
            self.stats.failed += 1
            return "exception", exc
        self.stats.completed += 1
        return ("result", result) if result is not None else (None, None)


async def _guarded(call: HookCall) -> Any:
    """Await the hook; SystemExit/KeyboardInterrupt become `HookExit` (asyncio would stop the
    whole loop with them)."""
    try:
        return await call.invoke()
    except (SystemExit, KeyboardInterrupt) as exc:
        raise HookExit(exc) from None
