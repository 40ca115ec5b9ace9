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
import time
from typing import Any

from copilot import hookimpl
from copilot.delivery import signing
from copilot.delivery.outbox import Outbox
from copilot.delivery.selection import webhook_name
from copilot.delivery.sender import RetryPolicy, Sender


class _Hooks:
    """The plugin object: reconcile on each event a webhook may carry (on the runtime loop)."""

    def __init__(self, hooks: Webhooks) -> None:
        self.hooks = hooks

    @hookimpl
    async def copilot_event(self, event, session):
        if webhook_name(event) is not None:
            self.hooks.reconcile(event.capture_session_id)

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

    def _catch_up(self) -> None:
        for sid in self.outbox.stale_sessions():
            self.reconcile(sid)

    def reconcile(self, session_id: str) -> None:
        rec = self.rt.sessions.get(session_id)
        if rec is None or not rec.callback_url:
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
        if self.sender is not None and self.sender._task is not None:
            self.sender._task.cancel()

    async def close_on_loop(self, drain: float = 0.0) -> None:
        """Deliver what is due (up to `drain` s), then stop sending (pending rows stay in the
        outbox for the next start)."""
        if self.sender is None:
            return
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
