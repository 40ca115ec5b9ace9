"""The webhook outbox: rows derived from the durable event log, in the runtime's store.

Rows are not written by whoever publishes an event; a reconciler copies lifecycle and alert
events of sessions with a `callback_url` from the log into `webhook_outbox`, and advances a
per-session cursor in the same transaction. It runs after each such event (a `copilot_event`
hook) and at startup, so an event committed just before a crash is still enqueued on restart.
The webhook id is derived from (session, seq): enqueuing twice is a no-op, every retry of a
message carries the same `webhook-id`.
"""

from __future__ import annotations

import json
from typing import Any

from copilot.events import Event

WEBHOOK_TYPES = ("capture_session", "alert")
_COMMON = frozenset(Event.model_fields)


def payload(event: Any) -> dict[str, Any]:
    """The webhook body for a logged event (lifecycle or alert)."""
    base = {
        "capture_session_id": event.capture_session_id,
        "seq": event.seq,
        "event_id": event.id,
        "created_at": event.created_at,
    }
    if event.type == "capture_session":
        data = dict(event.data)
        if event.reason:
            data.setdefault("reason", event.reason)
        if event.previous:
            data.setdefault("previous", event.previous)
        return {
            "event": f"capture_session.{event.status}",
            "status": event.status,
            **base,
            "data": data,
        }
    fields = event.model_dump(mode="json")
    data = {k: v for k, v in fields.items() if k not in _COMMON or k in ("start", "end")}
    data.update(rtstream_id=event.rtstream_id, channel=event.channel)
    return {"event": event.type, **base, "data": data}


class Outbox:
    """The reconciler: copies a session's logged webhook events into the store's outbox."""

    def __init__(self, rt) -> None:
        self.rt = rt
        self.rows = rt.store.outbox

    def secret(self, make) -> str:
        return self.rt.store.config_value("secret", make)

    def stale_sessions(self) -> list[str]:
        return self.rows.stale_sessions()

    def reconcile(self, session_id: str) -> int:
        """Enqueue the session's logged webhook events not yet in the outbox; count them."""
        rec = self.rt.sessions.get(session_id)
        if rec is None or not rec.callback_url:
            return 0
        added = 0
        while True:
            last = self.rows.cursor(session_id)
            events = self.rt.log.read(session_id, after=last, limit=500, types=WEBHOOK_TYPES)
            if not events:
                return added
            messages = []
            for ev in events:
                if ev.type not in WEBHOOK_TYPES:  # an unreadable row: nothing to send
                    continue
                body = payload(ev)
                messages.append((ev.seq, body["event"], json.dumps(body, separators=(",", ":"))))
            self.rows.enqueue(session_id, rec.callback_url, messages, events[-1].seq)
            added += len(events)
