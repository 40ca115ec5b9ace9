"""Durable, signed webhooks for a runtime: every started Runtime (embedded or under
`copilot serve`) installs one `Webhooks(rt)`.

Guarantee: every event a session with a `callback_url` selected (`webhook_events`, by default
lifecycle, final transcripts, audio/visual index events, action items and alerts) that reached
its event log is delivered at least once, in seq order per session, as long as the database
survives — including across a killed process (the outbox reconciles from the log at startup).
A receiver may see a message twice (crash after its 2xx, before we record it); dedupe on
`webhook-id`. Closing the runtime waits up to `webhook_drain_timeout` for every session's next
message to be tried once; what is still pending is sent at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from copilot import hookimpl
from copilot.delivery import signing
from copilot.delivery.outbox import Outbox
from copilot.delivery.selection import webhook_name
from copilot.delivery.sender import RetryPolicy, Sender

log = logging.getLogger("copilot.webhooks")


class _Hooks:
    """The plugin object: only the shutdown backstop. Events are followed on the bus, not
    through a plugin queue: a burst of more events than that queue holds dropped hook calls,
    and the session's last events waited for the next one (or a restart) to be enqueued."""

    def __init__(self, hooks: Webhooks) -> None:
        self.hooks = hooks

    @hookimpl
    def copilot_shutdown(self, runtime):
        self.hooks.stop_on_loop()


class Webhooks:
    def __init__(self, rt, policy: RetryPolicy | None = None) -> None:
        self.rt = rt
        self.policy = policy or RetryPolicy()
        self.outbox: Outbox | None = None
        self.sender: Sender | None = None
        self.secret = ""
        self._sub: Any = None  # the runtime bus's subscriber for every session
        self._follower: asyncio.Task | None = None

    def install(self) -> Webhooks:
        rt = self.rt
        rt.call(self._setup_on_loop)
        rt.register_plugin(_Hooks(self), "copilot-webhooks")
        rt.call(self._follow_replicas)
        rt.call(self._catch_up)  # events logged before the hook existed (or before a crash)
        return self

    def _follow_replicas(self) -> None:
        """On a shared store: any replica enqueues what another logged (should that one die
        before it did), and every sender wakes for rows enqueued anywhere."""
        replicas = self.rt.replicas
        replicas.on_outbox.append(self.sender.wake.set)
        replicas.on_adopt.append(self.reconcile)

        def remote(events) -> None:
            for sid in {e.capture_session_id for e in events if webhook_name(e) is not None}:
                self.reconcile(sid)

        replicas.on_remote.append(remote)

    def _setup_on_loop(self) -> None:
        self.outbox = Outbox(self.rt)
        self.secret = self.outbox.secret(signing.new_secret)
        self.sender = Sender(
            self.rt.store.outbox,
            self.secret,
            self.policy,
            self.rt.node,
            allow_hosts=self.rt.settings.webhook_allow_hosts,
        )
        self.sender.start()
        self._sub = self.rt.bus.subscribe()
        self._follower = asyncio.get_running_loop().create_task(
            self._follow_log(), name="copilot-webhooks-outbox"
        )

    async def _follow_log(self) -> None:
        """Reconcile each session once per batch of its logged events (on the runtime loop);
        after the bus overflowed this reader, every session behind in the log catches up."""
        sub = self._sub
        while True:
            first = await sub.get()
            try:
                self._reconcile_queued(first)
            except Exception:  # e.g. the database is gone a moment: the next event retries
                log.exception("webhooks: could not enqueue logged events")
            await asyncio.sleep(0)  # let the loop run between batches

    def _reconcile_queued(self, first: Any = None) -> None:
        sub = self._sub
        if sub is None:
            return
        events = ([] if first is None else [first]) + sub.take_all()
        if sub.overflowed:
            sub.reset()
            self._catch_up()
        for sid in dict.fromkeys(e.capture_session_id for e in events if webhook_name(e)):
            self.reconcile(sid)

    def _catch_up(self) -> None:
        for sid in self.outbox.stale_sessions():
            self.reconcile(sid)

    def reconcile(self, session_id: str) -> None:
        if not self.rt.sessions.callback_url(session_id):
            return
        if self.outbox.reconcile(session_id):
            self.sender.wake.set()

    async def drain(self, timeout: float) -> None:
        """Wait (up to `timeout` s) until every session's next message was tried once: a
        closing runtime delivers its last events (`stopped`) to a receiver that is up, and
        does not wait out the backoff of one that is down."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.sender.inflight and not self.rt.store.outbox.unsent_heads():
                return
            await asyncio.sleep(0.05)

    def stop_on_loop(self) -> None:
        """Backstop at runtime shutdown; `close()` first lets the HTTP client close cleanly."""
        self._stop_following()
        if self.sender is not None and self.sender._task is not None:
            self.sender._task.cancel()

    def _stop_following(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            self._follower = None
        if self._sub is not None:
            self.rt.bus.unsubscribe(self._sub)
            self._sub = None

    async def close_on_loop(self, drain: float = 0.0) -> None:
        """Deliver what is due (up to `drain` s), then stop sending (pending rows stay in the
        outbox for the next start)."""
        if self.sender is None:
            return
        with contextlib.suppress(Exception):  # what was logged last (`stopped`) goes out too
            self._reconcile_queued()
        if drain > 0:
            with contextlib.suppress(Exception):
                await self.drain(drain)
        with contextlib.suppress(Exception):
            await self.sender.close()

    def close(self) -> None:
        """Stop sending now, from another thread (the runtime's close does this itself)."""
        if self.sender is not None and not self.rt.closed:
            with contextlib.suppress(Exception):
                self.rt.call_async(self.close_on_loop, timeout=10)

    def list_attempts(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.rt.store.outbox.attempts(limit)

    def rows(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows (oldest first): webhook_id, seq, event, status, attempts."""
        return self.rt.store.outbox.rows(session_id)
