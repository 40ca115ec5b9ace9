"""The Runtime: one asyncio loop (in the `copilot-runtime` thread) owns all state.

Other threads (the sync API, device and model workers, plugin threads) reach the loop only
through `call`, `call_async` and `submit_publish`. Publishing is "persist, then fan out":
the event log commits the event (and its seq) before the bus, plugins or anyone sees it.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import os
import secrets
import socket
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from copilot.capture.sources import SourceRegistry
from copilot.config import Settings, load_settings
from copilot.errors import CopilotError, InvalidEvent, NotEnabled
from copilot.events import RESERVED_TYPES, Event, EventTypes
from copilot.plugins.dispatch import Dispatcher, settle_report
from copilot.plugins.manager import PluginManager
from copilot.plugins.workers import HookCall
from copilot.runtime.bus import Bus, EventCursor
from copilot.runtime.context import SessionContext
from copilot.runtime.features import FEATURE_NAMES, INSTALL_HINT
from copilot.runtime.redaction import REDACTED_TYPES, redact_event
from copilot.store import open_store
from copilot.store.eventlog import TxStep
from copilot.store.private import private_dir, warn_if_shared
from copilot.tokens import TokenClaims, TokenSigner

log = logging.getLogger("copilot.runtime")
T = TypeVar("T")
REGISTRATION_HOOKS = (
    "copilot_register_event_types",
    "copilot_register_sources",
    "copilot_register_features",
    "copilot_register_sensitive_detectors",
    "copilot_register_action_item_extractors",
    "copilot_register_llm_tasks",
)
_RUNNING: weakref.WeakSet[Runtime] = weakref.WeakSet()
_OPEN: set[Runtime] = set()  # started and not closed: closed at interpreter exit
_EXIT_HOOK: list[bool] = []


def running_runtimes() -> list[Runtime]:
    """Embedded runtimes alive in this process (the in-process capture transport uses it)."""
    return [rt for rt in _RUNNING if rt.started and not rt.closed]


def _close_open_runtimes() -> None:
    for rt in list(_OPEN):
        try:
            rt.close()
        except Exception:  # one runtime failing to close must not keep the others open
            log.exception("closing the runtime at exit failed")


def _hook_interpreter_exit() -> None:
    """Close open runtimes when the main thread is done, before Python tears threads down.

    `atexit` is too late: by then concurrent.futures has shut its executors (every stop
    step that hands work to a thread fails with "cannot schedule new futures after
    shutdown") and model threads would still be inside native code while the interpreter
    finalises (onnxruntime/ctranslate2 abort with "terminate called without an active
    exception"). Hooks registered with `threading._register_atexit` run when the main thread
    ends, in reverse order, so registering after concurrent.futures' own hook runs ours
    first. `atexit` stays as the fallback (e.g. a runtime started during shutdown).
    """
    if _EXIT_HOOK:
        return
    _EXIT_HOOK.append(True)
    import concurrent.futures.thread  # noqa: F401  its exit hook must be registered before ours

    with contextlib.suppress(AttributeError, RuntimeError):
        threading._register_atexit(_close_open_runtimes)  # type: ignore[attr-defined]
    atexit.register(_close_open_runtimes)


class Runtime:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        entrypoints: bool = True,
        webhook_policy: Any = None,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    ) -> None:
        self.settings = settings or load_settings()
        self._webhook_policy = webhook_policy  # a delivery.sender.RetryPolicy (tests: fast)
        self.webhooks: Any = None
        self.home = self.settings.home
        self.types = EventTypes()
        self.plugins = PluginManager(self.settings)
        self.sources = SourceRegistry()
        self.features: dict[str, Any] = {}
        self._entrypoints = entrypoints
        self.loop = loop_factory()
        self._thread = threading.Thread(target=self._run_loop, name="copilot-runtime", daemon=True)
        self.started = False
        self.closed = False
        self.published = 0
        # this process among replicas sharing a store (leases, outbox claims, notifications)
        self.node = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._contexts: dict[str, SessionContext] = {}

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> Runtime:
        from copilot.runtime.groupcommit import GroupCommit
        from copilot.runtime.replicas import Replicas
        from copilot.runtime.sessions import SessionManager

        private_dir(self.home)
        warn_if_shared(self.home)
        self.store = open_store(self.settings, self.types, node=self.node)
        self.log = self.store.log
        self.signer = TokenSigner(self.store.token_secret(self.home))
        self.load_plugins()
        self.bus = Bus(self.settings.subscriber_queue_size)
        self.sessions = SessionManager(self)
        self.replicas = Replicas(self)
        self.group_commit = GroupCommit(self)
        self._thread.start()
        self.started = True
        self.call(self._start_on_loop)
        self._install_webhooks()
        _RUNNING.add(self)
        _OPEN.add(self)
        _hook_interpreter_exit()
        return self

    def _start_on_loop(self) -> None:
        self.dispatcher = Dispatcher(self.loop, self.plugins, self.settings, self._on_plugin_report)
        self.dispatcher.rebuild()
        self.replicas.start()
        self.sessions.recover_stale()
        self.plugins.call_each("copilot_startup", runtime=self)

    def _install_webhooks(self) -> None:
        """Sessions with a `callback_url` get their webhooks from this runtime, embedded or
        served: the same outbox, signing and retries (copilot/delivery)."""
        from copilot.delivery.webhooks import Webhooks

        self.webhooks = Webhooks(self, self._webhook_policy).install()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def close(self) -> None:
        """Stop live sessions gracefully, run shutdown hooks, stop the loop. Idempotent."""
        if self.closed or not self.started:
            self.closed = True
            return
        self.closed = True
        _OPEN.discard(self)
        try:
            self.call_async(self.sessions.stop_all, timeout=self.settings.drain_timeout + 30)
        except Exception as exc:  # closing must finish even if a session cannot stop cleanly
            log.warning("stopping sessions at close failed: %s", exc)
        if self.webhooks is not None:  # the last events (`stopped`) go out before we stop
            drain = self.settings.webhook_drain_timeout
            try:
                self.call_async(self.webhooks.close_on_loop, drain, timeout=drain + 15)
            except Exception as exc:
                log.warning("stopping webhooks at close failed: %s", exc)
        self.call_async(self._close_on_loop, timeout=self.settings.drain_timeout + 30)
        busy = self.dispatcher.join_threads(10)
        if busy:  # a hung hook: its daemon thread is left behind
            log.warning("plugin threads still busy at close: %s", ", ".join(busy))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        with contextlib.suppress(Exception):
            self.store.close()

    async def _close_on_loop(self) -> None:
        # events emitted outside a running session (never stopped, so never drained) are
        # still handled by every plugin before it shuts down
        late = await self.dispatcher.drain(self.settings.drain_timeout)
        if late:
            log.warning("plugins still busy at close: %s", ", ".join(late))
        self.plugins.call_each("copilot_shutdown", runtime=self)
        self.replicas.close()
        tasks = self.dispatcher.close()
        if tasks:  # cancelled; a hook that ignores cancellation cannot hold the close
            await asyncio.wait(tasks, timeout=10)

    # ----------------------------------------------------------------- plugins
    def load_plugins(self) -> None:
        """Load entry-point plugins and run their registration hooks (no loop needed)."""
        if self._entrypoints:
            self.plugins.load_entrypoints()
        self._run_registration()

    def _run_registration(self, only: str | None = None) -> None:
        registers = self._registers()
        for hook in REGISTRATION_HOOKS:
            for impl in self.plugins.impls(hook):
                if only is not None and impl.plugin_name != only:
                    continue
                args = {"register": registers[hook], "settings": self.settings}
                try:
                    impl.function(**{k: args[k] for k in impl.argnames})
                except (Exception, SystemExit) as exc:
                    log.warning("plugin %s failed in %s: %s", impl.plugin_name, hook, exc)
                    self.plugins.mark_failed(impl.plugin_name, f"{hook}: {exc}")

    def _registers(self) -> dict[str, Callable[..., None]]:
        """The `register` callback each registration hook receives."""
        from copilot.intelligence.action_items import register_extractor
        from copilot.intelligence.sensitive import register_detector
        from copilot.llm import register_task

        return {
            "copilot_register_event_types": self.types.register,
            "copilot_register_sources": self.sources.register,
            "copilot_register_features": self.register_feature,
            "copilot_register_sensitive_detectors": register_detector,
            "copilot_register_action_item_extractors": register_extractor,
            "copilot_register_llm_tasks": register_task,
        }

    def register_feature(self, name: str, feature: Any) -> None:
        if name not in FEATURE_NAMES:
            raise ValueError(f"unknown feature {name!r}; one of {', '.join(FEATURE_NAMES)}")
        self.features[name] = feature

    def feature(self, name: str, method: str) -> Any:
        feature = self.features.get(name)
        if feature is None:
            raise NotEnabled(f"{method}: {INSTALL_HINT[name]} (no {name!r} feature registered)")
        return feature

    def register_plugin(self, obj: Any, name: str | None = None) -> str:
        """Add a plugin at run time: registration hooks run, event hooks start receiving."""
        name = self.plugins.register(obj, name)
        info = {p.name: p for p in self.plugins.plugins()}[name]
        if info.status != "loaded":
            raise CopilotError(f"plugin {name} could not be registered: {info.error}")
        self._run_registration(only=name)
        self.call(self.dispatcher.rebuild)
        return name

    def _on_plugin_report(self, kind: str, call: HookCall, detail: Any) -> None:
        """Loop side of plugin workers: publish results, turn failures into plugin_error."""
        settle_report(
            kind,
            call,
            detail,
            prepare=self.draft,
            emit=self.publish,
            timeout=self.settings.plugin_timeout,
            log=log,
            failure=lambda sid, error: self.draft(sid, error, allow=RESERVED_TYPES),
        )

    # ----------------------------------------------------------------- events
    def draft(
        self,
        session_id: str,
        event: Event | dict[str, Any],
        *,
        allow: frozenset[str] | set[str] = frozenset(),
    ) -> Event:
        """Validate an event (model or dict) for `session_id` against the registered types.

        Reserved types (`capture_session`, `channel`, `plugin_error`, …) are the runtime's own:
        refused unless the caller is allowed them (`allow`)."""
        if isinstance(event, dict):
            event = {**event, "capture_session_id": session_id}  # the handle decides the session
            event.pop("seq", None)
            event.pop("id", None)
        elif isinstance(event, Event):
            if event.capture_session_id != session_id:
                event = event.model_copy(update={"capture_session_id": session_id})
        else:
            raise InvalidEvent(f"an event is an Event or a dict with a type, not {event!r:.80}")
        kind = event.get("type") if isinstance(event, dict) else event.type
        if isinstance(kind, str) and kind in RESERVED_TYPES and kind not in allow:
            raise InvalidEvent(
                f"event type {kind!r} is reserved: only the runtime writes"
                f" {', '.join(sorted(RESERVED_TYPES))} events"
            )
        event = self.types.validate(event)
        if self.settings.redact_sensitive and event.type in REDACTED_TYPES:
            event = redact_event(event, self.settings.sensitive_min_confidence)
        return event

    def publish(self, draft: Event, *, also: TxStep | None = None) -> Event:
        """Persist, then fan out. Loop thread only."""
        event = self.log.append(draft, also=also)
        self.fan_out(event)
        return event

    async def publish_grouped(self, draft: Event) -> Event:
        """`publish`, committed in one transaction with the other events published this way
        in the same loop turn (see groupcommit.py). Loop thread only."""
        return await self.group_commit.publish(draft)

    def fan_out(self, event: Event) -> None:
        """Hand a persisted event to live readers, replicas and plugins."""
        self.published += 1
        self.bus.publish(event)
        self.replicas.published(event)
        self.dispatcher.dispatch(event, self.context(event.capture_session_id))

    def submit_publish(self, draft: Event) -> None:
        """Publish from any thread (fire and forget; ordering per calling thread is kept)."""
        if threading.current_thread() is self._thread:
            self.publish(draft)
        else:
            self.loop.call_soon_threadsafe(self._publish_logged, draft)

    def _publish_logged(self, draft: Event) -> None:
        try:
            self.publish(draft)
        except Exception:
            log.exception("publishing %s failed", draft.type)

    def context(self, session_id: str) -> SessionContext:
        ctx = self._contexts.get(session_id)
        if ctx is None:
            ctx = self._contexts[session_id] = SessionContext(self, session_id)
        return ctx

    def session_record(self, session_id: str):
        return self.call(self.sessions.require, session_id)

    def cursor(
        self,
        session_id: str,
        *,
        since: int = 0,
        types: Iterable[str] | None = None,
        until_end: bool = True,
    ) -> EventCursor:
        """A log-then-live reader (create it on the loop)."""
        self.sessions.require(session_id)
        return EventCursor(
            self.bus,
            self.log,
            session_id,
            since=since,
            types=types,
            until_end=until_end,
            status_of=self.sessions.status_of,
        )

    # ----------------------------------------------------------------- tokens
    def verify_token(self, token: str) -> TokenClaims:
        revoked = self.call(self._revoked_jtis)
        return self.signer.verify(token, revoked=revoked)

    def _revoked_jtis(self) -> set[str]:
        return self.store.tokens.revoked()

    # ----------------------------------------------------------------- bridging
    def on_loop(self) -> bool:
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Run a plain function on the loop thread and return its result (sync bridge)."""
        if self.on_loop():
            return fn(*args)
        self._check_open()
        fut: concurrent.futures.Future = concurrent.futures.Future()

        def run() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:
                fut.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return fut.result(timeout)

    def call_async(
        self, fn: Callable[..., Awaitable[T]], *args: Any, timeout: float | None = None
    ) -> T:
        """Run a coroutine function on the loop from another thread and wait for it."""
        if self.on_loop():
            raise RuntimeError("call_async from the runtime loop would deadlock; await it")
        self._check_open()
        fut = asyncio.run_coroutine_threadsafe(fn(*args), self.loop)
        return fut.result(timeout)

    async def acall(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Await a coroutine function on the runtime loop from any event loop."""
        if self.on_loop():
            return await fn(*args)
        self._check_open()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(fn(*args), self.loop))

    async def acall_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """Await a plain function run on the runtime loop, from any event loop."""
        if self.on_loop():
            return fn(*args)

        async def wrapper() -> T:
            return fn(*args)

        return await self.acall(wrapper)

    def _check_open(self) -> None:
        if not self.started:
            raise CopilotError("the runtime is not started")
        if not self.loop.is_running() and self.closed:
            raise CopilotError("the runtime is closed")

    # ----------------------------------------------------------------- stats
    def stats(self) -> dict[str, Any]:
        """Counters users and tests can watch: events, plugins, channels and every drop."""
        return self.call(self._stats)

    def _stats(self) -> dict[str, Any]:
        channels = self.sessions.channel_stats()
        plugins = self.dispatcher.stats()
        dropped = {
            "frames": sum(c["dropped"] for c in channels.values()),
            "plugin_events": sum(p.get("dropped", 0) for p in plugins.values()),
        }
        return {
            "events": {
                "published": self.published,
                "delivered_live": self.bus.delivered,
                "subscriber_overflows": self.bus.overflows,
                "subscribers": self.bus.subscriber_count(),
                "group_commits": self.group_commit.flushes,
                "group_committed": self.group_commit.events,
            },
            "plugins": plugins,
            "channels": channels,
            "replicas": {
                "node": self.node,
                "shared_store": self.store.shared,
                **self.replicas.stats,
            },
            "dropped": dropped,
        }
