"""`RemoteConnection.register_plugin`: event hooks run in this process, against a server.

The host follows `WS /v1/events/ws` (every session, from the moment of the first
registration, resumed without gaps after a dropped socket) and fans each event out with the
runtime's own `Dispatcher`: per-plugin workers, timeouts, bounded queues. Hook results and
failures (`plugin_error`) are posted back to the event's session in order, by one emitter
thread, so they are persisted and delivered like any other event. Hooks that only make sense
inside the server's runtime (sources, features, detectors, …) are refused with `NotEnabled`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from copilot.config import Settings
from copilot.errors import CopilotError, InvalidEvent, NotEnabled
from copilot.events import PluginErrorEvent
from copilot.plugins.dispatch import Dispatcher, as_list, failure_message
from copilot.plugins.manager import PluginManager
from copilot.plugins.workers import HookCall
from copilot.remote.context import RemoteSessionContext
from copilot.remote.firehose import follow_all
from copilot.remote.handles import emit_body, post_event
from copilot.remote.http import Api

if TYPE_CHECKING:
    from copilot.remote.connection import RemoteConnection

log = logging.getLogger("copilot.remote.plugins")
T = TypeVar("T")
SUBSCRIBE_TIMEOUT = 30.0
INSTALL = "install the plugin where `copilot serve` runs (entry-point group 'copilot')"
SERVER_ONLY = {
    "copilot_register_sources": (
        "capture sources belong to the capture machine: pass"
        " `copilot.remote.capture.load_sources([plugin])` as `CaptureClient(..., sources=)`, or "
    ),
    "copilot_register_features": "RTStream features run on the server's media: ",
    "copilot_register_sensitive_detectors": "detectors run in the server's sensitive_content: ",
    "copilot_register_action_item_extractors": "extractors run in the server's action_items: ",
    "copilot_register_llm_tasks": "the server's features call model tasks in its process: ",
    "copilot_session_deleted": "sessions are deleted inside the server: ",
}


class RemotePluginHost:
    """Plugins of one `RemoteConnection`: a pluggy manager, a loop thread, an emitter."""

    def __init__(self, conn: RemoteConnection, settings: Settings) -> None:
        self._conn = conn
        self.settings = settings
        self.plugins = PluginManager(settings)
        self.api = Api(conn.base_url, conn.api.credential)
        self.cursor: dict[str, int] = {}  # session id -> last seq handed to the dispatcher
        self.counts = {"received": 0, "subscriptions": 0, "emitted": 0, "emit_failed": 0}
        self._contexts: dict[str, RemoteSessionContext] = {}
        self._emitter = ThreadPoolExecutor(1, thread_name_prefix="copilot-remote-emit")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._dispatcher: Dispatcher | None = None
        self._follow: asyncio.Task | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self.closed = False

    # ------------------------------------------------------------------ registration
    def register(self, obj: Any, name: str | None = None) -> str:
        """Add a plugin: its event types are registered on the server, its event hooks start
        receiving every session's events from now on."""
        with self._lock:
            if self.closed:
                raise CopilotError("this connection is closed")
            name = self.plugins.register(obj, name)
            info = {p.name: p for p in self.plugins.plugins()}[name]
            if info.status != "loaded":
                raise CopilotError(f"plugin {name} could not be registered: {info.error}")
            refused = [h for h in info.hooks if h in SERVER_ONLY]
            if refused:
                self.plugins.unregister(name)
                raise NotEnabled(
                    f"plugin {name}: {', '.join(refused)} cannot run on a remote connection; "
                    + SERVER_ONLY[refused[0]]
                    + INSTALL
                )
            try:
                self._start()
            except BaseException:
                self.plugins.unregister(name)
                raise
            self._register_event_types(name)
            self._call(self._dispatcher.rebuild)
            return name

    def _register_event_types(self, name: str) -> None:
        args = {"register": self._conn.register_event_type, "settings": self.settings}
        for impl in self.plugins.impls("copilot_register_event_types"):
            if impl.plugin_name != name:
                continue
            try:
                impl.function(**{k: args[k] for k in impl.argnames})
            except Exception as exc:  # recorded like the embedded runtime does; not fatal
                log.warning("plugin %s failed in copilot_register_event_types: %s", name, exc)
                self.plugins.mark_failed(name, f"copilot_register_event_types: {exc}")

    # ------------------------------------------------------------------ the loop thread
    def _start(self) -> None:
        if self._loop is not None:
            return
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=loop.run_forever, name="copilot-remote-plugins", daemon=True
        )
        thread.start()
        self._loop, self._thread = loop, thread
        self._ready.clear()
        self._call(self._start_on_loop)
        if not self._ready.wait(SUBSCRIBE_TIMEOUT) or self._error is not None:
            error = self._error or CopilotError(f"no subscription to {self._conn.base_url}")
            self._stop_loop()
            raise error

    def _start_on_loop(self) -> None:
        self._dispatcher = Dispatcher(self._loop, self.plugins, self.settings, self._on_report)
        self._error = None
        self._follow = self._loop.create_task(self._follow_events(), name="copilot-remote-follow")

    async def _follow_events(self) -> None:
        try:
            async for ev in follow_all(
                self._conn.base_url,
                self.api.credential,
                self.cursor,
                on_subscribed=self._subscribed,
                retry_for=float("inf"),
            ):
                self.counts["received"] += 1
                self._dispatcher.dispatch(ev, self._context(ev.capture_session_id))
        except Exception as exc:
            self._error = exc
            log.warning("remote plugins stopped receiving events: %s", exc)
        finally:
            self._ready.set()

    def _subscribed(self) -> None:
        self.counts["subscriptions"] += 1
        self._ready.set()

    def _call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def _context(self, session_id: str) -> RemoteSessionContext:
        ctx = self._contexts.get(session_id)
        if ctx is None:
            ctx = RemoteSessionContext(self.api, session_id, self._submit)
            self._contexts[session_id] = ctx
        return ctx

    # ------------------------------------------------------------------ results and failures
    def _on_report(self, kind: str, call: HookCall, detail: Any) -> None:
        """Loop side of the workers: post results, turn failures into `plugin_error`."""
        sid = call.event.capture_session_id
        plugin = call.impl.plugin_name
        if kind == "result":
            try:
                bodies = [emit_body(sid, item) for item in as_list(detail)]
            except InvalidEvent as exc:
                kind, detail = "invalid_result", exc
            else:
                for body in bodies:
                    self._submit(body, call)
                return
        message = failure_message(kind, call, detail, self.settings.plugin_timeout)
        log.warning("plugin %s %s: %s", plugin, kind, message)
        if call.event.type == "plugin_error":
            return  # never answer a failure about a failure with another event
        error = PluginErrorEvent(
            capture_session_id=sid, plugin=plugin, hook=call.hook, error=message, kind=kind
        )
        self._submit(emit_body(sid, error))

    def _submit(self, body: dict[str, Any], call: HookCall | None = None) -> None:
        with contextlib.suppress(RuntimeError):  # the emitter is shut down: we are closing
            self._emitter.submit(self._post, body, call)

    def _post(self, body: dict[str, Any], call: HookCall | None) -> None:
        """Emitter thread: one POST at a time, so a session's results keep their order."""
        try:
            post_event(self.api, body)
            self.counts["emitted"] += 1
        except InvalidEvent as exc:  # refused by the server (e.g. a type it does not know)
            self.counts["emit_failed"] += 1
            log.warning("the server refused a %s event: %s", body.get("type"), exc)
            if call is not None and call.event.type != "plugin_error":
                self._on_report_threadsafe("invalid_result", call, exc)
        except Exception as exc:
            self.counts["emit_failed"] += 1
            log.warning("posting a %s event failed: %s", body.get("type"), exc)

    def _on_report_threadsafe(self, kind: str, call: HookCall, detail: Any) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._on_report, kind, call, detail)

    # ------------------------------------------------------------------ stats and close
    def stats(self) -> dict[str, Any]:
        plugins = self._call(self._dispatcher.stats) if self._loop is not None else {}
        return {**self.counts, "plugins": plugins, "sessions": len(self.cursor)}

    def close(self) -> None:
        """Finish hook calls already received (bounded by `drain_timeout`), run
        `copilot_shutdown(runtime=<the RemoteConnection>)`, post what is left, stop."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        if self._loop is not None:
            drain = self.settings.drain_timeout
            with contextlib.suppress(Exception):
                late = asyncio.run_coroutine_threadsafe(
                    self._dispatcher.drain(drain), self._loop
                ).result(drain + 5)
                if late:
                    log.warning("plugins still busy at close: %s", ", ".join(late))
            self.plugins.call_each("copilot_shutdown", runtime=self._conn)
            self._stop_loop()
        self._emitter.shutdown(wait=True)
        self.api.close()

    def _stop_loop(self) -> None:
        loop, self._loop = self._loop, None

        async def stop() -> None:
            tasks = [t for t in (self._follow,) if t is not None]
            if self._dispatcher is not None:
                tasks += self._dispatcher.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        with contextlib.suppress(RuntimeError):  # still running: a hook holds the thread
            loop.close()
        self._thread = self._follow = self._dispatcher = None
