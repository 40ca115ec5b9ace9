"""`RemoteConnection.register_plugin`: event hooks run in this process, against a server.

The host follows `WS /v1/events/ws` (every session, from the moment of the first
registration, resumed without gaps after a dropped socket) and fans each event out with the
runtime's own `Dispatcher`: per-plugin workers, timeouts, bounded queues. Hook results and
failures (`plugin_error`) are posted back to the event's session in order, by one emitter
thread, so they are persisted and delivered like any other event. Hooks that only make sense
inside the server's runtime (sources, features, detectors, …) are refused with `NotEnabled`.

If following fails for good (the key was revoked, a server that refuses the stream), the
error shows in `stats()["last_error"]` and the next `register` starts following again, from
where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from copilot.config import Settings
from copilot.errors import CopilotError, InvalidEvent, NotEnabled
from copilot.plugins.dispatch import Dispatcher, settle_report
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
MAX_CONTEXTS = 256  # session handles kept for reuse; the least recently seen goes first
POST_RETRY_DELAYS = (0.2, 0.5, 1.0)  # a POST the network failed: 4 tries within ~2 s
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
        self._contexts: OrderedDict[str, RemoteSessionContext] = OrderedDict()
        # one daemon thread posts in order; daemon, so a POST the server never answers cannot
        # hold close() (bounded by its deadline) or the interpreter's exit
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()  # (body, call), None: stop
        self._outbox_closed = False
        self._emitter = threading.Thread(
            target=self._emit_loop, name="copilot-remote-emit", daemon=True
        )
        self._emitter.start()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._dispatcher: Dispatcher | None = None
        self._follow: asyncio.Task | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None  # why the last start of following failed
        self.last_error: str | None = None  # why following last stopped, kept for stats()
        self._post_deadline: float | None = None  # set by close(): no POST after it
        self._abandoned = 0  # posts dropped at close, past the deadline
        self._lock = threading.Lock()
        self._lock_outbox = threading.Lock()
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
        """Start the loop thread and follow the server; or, when following stopped (see
        `_follow_events`), follow again from the cursor. Raises if no subscription comes."""
        first = self._loop is None
        if first:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="copilot-remote-plugins", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread
            self._call(self._make_dispatcher)
        elif self._call(self._following):
            return
        # the plugin being registered hears what following again resends first: the
        # dispatcher knows it before the first event arrives, not after
        self._call(self._dispatcher.rebuild)
        self._ready.clear()
        self._error = None
        resume = self.counts["subscriptions"] > 0  # the cursor holds where following stopped
        self._call(lambda: self._begin_following(resume))
        if not self._ready.wait(SUBSCRIBE_TIMEOUT) or self._error is not None:
            error = self._error or CopilotError(f"no subscription to {self._conn.base_url}")
            if first:
                self._stop_loop()
            else:
                with contextlib.suppress(Exception):
                    self._run(self._stop_following(), 10)
            raise error

    def _make_dispatcher(self) -> None:
        self._dispatcher = Dispatcher(self._loop, self.plugins, self.settings, self._on_report)

    def _begin_following(self, resume: bool) -> None:
        self._follow = self._loop.create_task(
            self._follow_events(resume), name="copilot-remote-follow"
        )

    def _following(self) -> bool:
        return self._follow is not None and not self._follow.done()

    async def _stop_following(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            await asyncio.gather(self._follow, return_exceptions=True)

    async def _follow_events(self, resume: bool) -> None:
        """Hand every event to the dispatcher. Network drops and transient server errors are
        retried inside `follow_all`; anything else stops following until the next `register`."""
        try:
            async for ev in follow_all(
                self._conn.base_url,
                self.api.credential,
                self.cursor,
                on_subscribed=self._subscribed,
                retry_for=float("inf"),
                resume=resume,
            ):
                self.counts["received"] += 1
                self._dispatcher.dispatch(ev, self._context(ev.capture_session_id))
        except Exception as exc:
            self._error = exc
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error(
                "remote plugins stopped receiving events (register_plugin follows again): %s",
                self.last_error,
            )
        finally:
            self._ready.set()

    def _subscribed(self) -> None:
        self.counts["subscriptions"] += 1
        self._ready.set()

    def _call(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        async def run() -> T:
            return fn()

        return self._run(run(), timeout)

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _context(self, session_id: str) -> RemoteSessionContext:
        ctx = self._contexts.get(session_id)
        if ctx is not None:
            self._contexts.move_to_end(session_id)
            return ctx
        ctx = self._contexts[session_id] = RemoteSessionContext(self.api, session_id, self._submit)
        if len(self._contexts) > MAX_CONTEXTS:
            self._contexts.popitem(last=False)
        return ctx

    # ------------------------------------------------------------------ results and failures
    def _on_report(self, kind: str, call: HookCall, detail: Any) -> None:
        """The workers' reports: post results, turn failures into `plugin_error`."""
        self._settle(kind, call, detail, lambda body: self._submit(body, call))

    def _settle(
        self, kind: str, call: HookCall, detail: Any, emit: Callable[[dict[str, Any]], None]
    ) -> None:
        timeout = self.settings.plugin_timeout
        settle_report(kind, call, detail, prepare=emit_body, emit=emit, timeout=timeout, log=log)

    def _submit(self, body: dict[str, Any], call: HookCall | None = None) -> None:
        with self._lock_outbox:
            if not self._outbox_closed:
                self._outbox.put((body, call))
                return
        self.counts["emit_failed"] += 1  # a hook that outlived close()
        log.debug("closed: a %s event was not posted", body.get("type"))

    def _emit_loop(self) -> None:
        while (item := self._outbox.get()) is not None:
            self._post(*item)

    def _post(self, body: dict[str, Any], call: HookCall | None) -> None:
        """Emitter thread: one POST at a time, so a session's results keep their order. A
        request the network failed is tried again (`POST_RETRY_DELAYS`), except a read timeout
        (the server may have taken it). Past close's deadline, what is left is dropped."""
        kind = body.get("type")
        for attempt in range(len(POST_RETRY_DELAYS) + 1):
            left = None if self._post_deadline is None else self._post_deadline - time.monotonic()
            if left is not None and left <= 0:
                self.counts["emit_failed"] += 1
                self._abandoned += 1  # close() logs them once
                return
            try:
                post_event(self.api, body, timeout=left)
            except httpx.TransportError as exc:
                if attempt < len(POST_RETRY_DELAYS) and not isinstance(exc, httpx.ReadTimeout):
                    delay = POST_RETRY_DELAYS[attempt]
                    time.sleep(delay if left is None else max(0.0, min(delay, left)))
                    continue
                self.counts["emit_failed"] += 1
                log.warning("posting a %s event failed: %r", kind, exc)
            except InvalidEvent as exc:  # refused by the server (e.g. a type it does not know)
                self.counts["emit_failed"] += 1
                log.warning("the server refused a %s event: %s", kind, exc)
                if call is not None and kind != "plugin_error":
                    # posted right here, right after the refused result: in order, and whether
                    # or not the loop still runs (close() stops it before the last posts)
                    self._settle("invalid_result", call, exc, lambda b: self._post(b, call))
            except Exception as exc:
                self.counts["emit_failed"] += 1
                log.warning("posting a %s event failed: %s", kind, exc)
            else:
                self.counts["emitted"] += 1
            return

    # ------------------------------------------------------------------ stats and close
    def stats(self) -> dict[str, Any]:
        plugins, following = {}, False
        if self._loop is not None:
            plugins, following = self._call(lambda: (self._dispatcher.stats(), self._following()))
        return {
            **self.counts,
            "plugins": plugins,
            "sessions": len(self.cursor),
            "following": following,
            "last_error": self.last_error,
        }

    def close(self) -> None:
        """Stop following, finish hook calls already received (bounded by `drain_timeout`), run
        `copilot_shutdown(runtime=<the RemoteConnection>)`, stop the loop, then post what is
        left, for at most another `drain_timeout`: what the server has not taken by then is
        dropped, counted in `emit_failed` and logged once."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        drain = self.settings.drain_timeout
        if self._loop is not None:
            with contextlib.suppress(Exception):  # no new events: the drain has a fixed job
                self._run(self._stop_following(), 10)
            with contextlib.suppress(Exception):
                late = self._run(self._dispatcher.drain(drain), drain + 5)
                if late:
                    log.warning("plugins still busy at close: %s", ", ".join(late))
            self.plugins.call_each("copilot_shutdown", runtime=self._conn)
            self._stop_loop()
        self._post_deadline = time.monotonic() + drain
        with self._lock_outbox:
            self._outbox_closed = True
            self._outbox.put(None)
        # each POST from here on is bounded by the deadline; one started before may not be
        self._emitter.join(drain + 1.0)
        stuck = self._emitter.is_alive()
        if stuck:  # what is still queued behind it is dropped now
            with contextlib.suppress(queue.Empty):
                while True:
                    if self._outbox.get_nowait() is not None:
                        self.counts["emit_failed"] += 1
                        self._abandoned += 1
            self._outbox.put(None)
        if self._abandoned or stuck:
            log.warning(
                "%d hook results or plugin errors were not posted%s: the server did not take"
                " them within drain_timeout (%g s) of close",
                self._abandoned,
                " (and one is still in flight)" if stuck else "",
                drain,
            )
        self.api.close()

    def _stop_loop(self) -> None:
        loop, self._loop = self._loop, None  # nothing reaches the loop from here on

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
