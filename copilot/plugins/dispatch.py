"""Fan events out to plugins without pluggy's multicall: one raising plugin never stops another.

Each persisted event is routed to the hooks for its type (`copilot_event` always, plus
`copilot_transcript`/`copilot_index`/`copilot_alert`/`copilot_session_status`), and each
hookimpl is queued on its plugin's own worker. Results and failures come back through
`on_report`, which the runtime turns into published events or `plugin_error` events.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from copilot.config import Settings
from copilot.errors import InvalidEvent
from copilot.events import Event, PluginErrorEvent
from copilot.plugins.loopwatch import LoopWatch
from copilot.plugins.manager import PluginManager
from copilot.plugins.workers import AsyncWorker, HookCall, SyncWorker, safe_report

HOOKS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "capture_session": ("copilot_session_status",),
    "transcript": ("copilot_transcript",),
    "index": ("copilot_index",),
    "alert": ("copilot_alert",),
}
EVENT_HOOKS = ("copilot_event", *sorted({h for hs in HOOKS_BY_TYPE.values() for h in hs}))

OnReport = Callable[[str, HookCall, Any], None]
T = TypeVar("T")


def as_list(value: Any) -> list[Any]:
    """A hook's return value as a list of events to emit."""
    return list(value) if isinstance(value, list | tuple) else [value]


def failure_message(kind: str, call: HookCall, detail: Any, timeout: float) -> str:
    """The `error` text of the `plugin_error` event a failed hook call becomes."""
    if kind == "timeout":
        return f"{call.hook} did not finish within {timeout:g} s"
    if kind == "overflow":
        return f"{call.hook} fell behind: queue of {detail} full, events dropped"
    if kind == "blocked_loop":
        return (
            f"{call.hook} blocked the event loop for {detail:.1f} s: blocking work in an async"
            " hook stalls every session (await it, or make the hook sync)"
        )
    return _safe_text(_describe(detail))[:2000]


def _describe(exc: Any) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # an exception whose __str__ raises
        return type(exc).__name__


def _safe_text(text: str) -> str:
    """Error text that any log can store (an exception may carry a lone surrogate)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def settle_report(
    kind: str,
    call: HookCall,
    detail: Any,
    *,
    prepare: Callable[[str, Any], T],
    emit: Callable[[T], None],
    timeout: float,
    log: logging.Logger,
    failure: Callable[[str, PluginErrorEvent], T] | None = None,
) -> None:
    """What a finished hook call becomes, for every host (embedded runtime, remote connection).

    A result's items are `prepare`d for the event's session (validated; anything that is not
    a valid, storable, non-reserved event fails) and all `emit`ted, or none. A failure (or an
    invalid result) is logged and emitted as a `plugin_error` on the session, prepared by
    `failure` (default `prepare`) — unless the call was itself about a `plugin_error`. Never
    raises: a report that cannot be settled is logged.
    """
    sid = call.event.capture_session_id
    plugin = call.impl.plugin_name
    if kind == "result":
        try:
            values = as_list(detail)
            if any(v is None for v in values):
                raise InvalidEvent("None inside a returned list (return None alone for nothing)")
            items = [prepare(sid, item) for item in values]
        except Exception as exc:  # InvalidEvent, or whatever a strange value provokes
            kind, detail = "invalid_result", exc
        else:
            try:
                for item in items:
                    emit(item)
                return
            except Exception as exc:
                kind, detail = "invalid_result", exc
    message = failure_message(kind, call, detail, timeout)
    log.warning("plugin %s %s: %s", plugin, kind, message)
    if call.event.type == "plugin_error":
        return  # never answer a failure about a failure with another event
    error = PluginErrorEvent(
        capture_session_id=sid, plugin=plugin, hook=call.hook, error=message, kind=kind
    )
    try:
        emit((failure or prepare)(sid, error))
    except Exception:
        log.exception("reporting a failure of plugin %s failed", plugin)


class Dispatcher:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        manager: PluginManager,
        settings: Settings,
        on_report: OnReport,
    ) -> None:
        self.loop = loop
        self.manager = manager
        self.settings = settings
        self.on_report = on_report
        self._workers: dict[tuple[str, bool], SyncWorker | AsyncWorker] = {}
        self._closed_threads: list[SyncWorker] = []
        self._routes: dict[str, list[tuple[SyncWorker | AsyncWorker, Any]]] = {}
        self._watchdog: asyncio.TimerHandle | None = None
        self._async_code: dict[Any, AsyncWorker] = {}
        self._loopwatch: LoopWatch | None = None

    def rebuild(self) -> None:
        """(Re)compute routes after plugins are loaded or registered at run time."""
        routes: dict[str, list] = {}
        live = set()
        async_code = {}
        for hook in EVENT_HOOKS:
            for impl in self.manager.impls(hook):
                is_async = inspect.iscoroutinefunction(impl.function)
                key = (impl.plugin_name, is_async)
                live.add(key)
                worker = self._worker(key)
                routes.setdefault(hook, []).append((worker, impl))
                if is_async:
                    async_code[impl.function.__code__] = worker
        for key in set(self._workers) - live:
            self._workers.pop(key).close()
        self._routes = routes
        self._async_code = async_code
        self._arm_watchdog()
        threshold = self.settings.loop_block_threshold
        if self._loopwatch is None and threshold > 0:
            self._loopwatch = LoopWatch(
                self.loop, threshold, lambda: self._async_code, self._on_blocked
            )

    def _on_blocked(self, worker: AsyncWorker, call: HookCall, seconds: float) -> None:
        """The loop watchdog caught `call` holding the loop for `seconds`."""
        worker.stats.blocked_loop += 1
        safe_report(self.on_report, "blocked_loop", call, seconds)

    def _worker(self, key: tuple[str, bool]) -> SyncWorker | AsyncWorker:
        worker = self._workers.get(key)
        if worker is None:
            cls = AsyncWorker if key[1] else SyncWorker
            worker = cls(
                key[0],
                self.loop,
                self.settings.plugin_queue_size,
                self.settings.plugin_timeout,
                self.on_report,
            )
            self._workers[key] = worker
        return worker

    def dispatch(self, event: Event, session: Any) -> None:
        """Queue `event` for every interested hookimpl (on the loop; never blocks)."""
        routes = self._routes
        if not routes:
            return
        for hook in ("copilot_event", *HOOKS_BY_TYPE.get(event.type, ())):
            for worker, impl in routes.get(hook, ()):
                worker.submit(HookCall(impl, hook, event, session))

    def _arm_watchdog(self) -> None:
        if self._watchdog is None and self._workers:
            interval = min(1.0, self.settings.plugin_timeout / 2)
            self._watchdog = self.loop.call_later(interval, self._watch, interval)

    def _watch(self, interval: float) -> None:
        for worker in list(self._workers.values()):
            worker.check_hung()
        self._watchdog = self.loop.call_later(interval, self._watch, interval)

    async def drain(self, timeout: float) -> list[str]:
        """Wait (bounded) for queued hook calls to finish; returns plugins that did not."""
        workers = list(self._workers.values())
        done = await asyncio.gather(*(w.drain(timeout) for w in workers))
        return sorted({w.plugin for w, ok in zip(workers, done, strict=True) if not ok})

    def stats(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (plugin, _), worker in self._workers.items():
            agg = out.setdefault(plugin, {})
            for k, v in vars(worker.stats).items():
                agg[k] = agg.get(k, 0) + v
        return out

    def join_threads(self, timeout: float) -> list[str]:
        """After `close`, off the loop: wait (bounded overall) for plugin threads to finish
        their last call; returns the plugins whose thread is still busy."""
        deadline = time.monotonic() + timeout
        workers, self._closed_threads = self._closed_threads, []
        return sorted({w.plugin for w in workers if not w.join(deadline - time.monotonic())})

    def close(self) -> list[asyncio.Task]:
        """Stop every worker; returns the cancelled async tasks for the caller to await."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._loopwatch is not None:
            self._loopwatch.close()
            self._loopwatch = None
        tasks = []
        for worker in self._workers.values():
            worker.close()
            if isinstance(worker, AsyncWorker):
                tasks.append(worker.task)
            else:
                self._closed_threads.append(worker)
        self._workers.clear()
        self._routes = {}
        return tasks
