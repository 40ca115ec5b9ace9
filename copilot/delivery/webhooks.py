"""Durable, signed webhooks for a runtime: `Webhooks(rt).install()`.

Guarantee: every lifecycle (`capture_session.*`) and `alert` event that reached the event log
of a session with a `callback_url` is delivered at least once, in seq order per session, as
long as the database survives — including across a killed server (the outbox reconciles from
the log at startup). A receiver may see a message twice (crash after its 2xx, before we
record it); dedupe on `webhook-id`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from copilot import hookimpl
from copilot.delivery import signing
from copilot.delivery.outbox import WEBHOOK_TYPES, Outbox
from copilot.delivery.sender import RetryPolicy, Sender


class _Hooks:
    """The plugin object: reconcile on each lifecycle/alert event (on the runtime loop)."""

    def __init__(self, hooks: Webhooks) -> None:
        self.hooks = hooks

    @hookimpl
    async def copilot_event(self, event, session):
        if event.type in WEBHOOK_TYPES:
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
            for sid in {e.capture_session_id for e in events if e.type in WEBHOOK_TYPES}:
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
        if self.outbox.reconcile(session_id):
            self.sender.wake.set()

    def stop_on_loop(self) -> None:
        """Backstop at runtime shutdown; `close()` first lets the HTTP client close cleanly."""
        if self.sender is not None and self.sender._task is not None:
            self.sender._task.cancel()

    def close(self) -> None:
        """Stop sending (pending rows stay in the outbox for the next start)."""
        if self.sender is not None and not self.rt.closed:
            with contextlib.suppress(Exception):
                self.rt.call_async(self.sender.close, timeout=10)

    def list_attempts(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.rt.store.outbox.attempts(limit)

    def rows(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows (oldest first): webhook_id, seq, event, status, attempts."""
        return self.rt.store.outbox.rows(session_id)
