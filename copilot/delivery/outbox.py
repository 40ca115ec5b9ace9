"""The webhook outbox: rows derived from the durable event log, in the runtime's store.

Rows are not written by whoever publishes an event; a reconciler copies the events a session
with a `callback_url` selected (`webhook_events`, see selection.py) from the log into
`webhook_outbox`, and advances a per-session cursor in the same transaction. It runs after
each such event (a `copilot_event` hook) and at startup, so an event committed just before a
crash is still enqueued on restart. The webhook id is derived from (session, seq): enqueuing
twice is a no-op, every retry of a message carries the same `webhook-id`.
"""

from __future__ import annotations

import json
from typing import Any

from copilot.delivery.selection import selected, webhook_name
from copilot.events import Event

_COMMON = frozenset(Event.model_fields)


def payload(event: Any) -> dict[str, Any]:
    """The webhook body for a logged event. `id` is the event's id in the log (the `id` a
    poll or WebSocket reader sees); `data` holds the event's own fields (an alert's
    `data.event_id` is the custom rule that fired, as `conn.create_event` returned it)."""
    base = {
        "capture_session_id": event.capture_session_id,
        "seq": event.seq,
        "id": event.id,
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
    return {"event": webhook_name(event) or event.type, **base, "data": data}


class Outbox:
    """The reconciler: copies a session's logged webhook events into the store's outbox."""

    def __init__(self, rt) -> None:
        self.rt = rt
        self.rows = rt.store.outbox

    def secret(self, make) -> str:
        return self.rt.store.config_value("secret", make)

    def stale_sessions(self) -> list[str]:
        return self.rows.stale_sessions()

    def selection(self, rec) -> list[str]:
        """What the session's webhooks carry: its own `webhook_events`, else the setting's."""
        if rec.webhook_events is not None:
            return rec.webhook_events
        return list(self.rt.settings.webhook_events)

    def reconcile(self, session_id: str) -> int:
        """Enqueue the session's selected logged events not yet in the outbox; count them.
        The cursor moves past every event read, sent or not (partials, unselected types)."""
        rec = self.rt.sessions.get(session_id)
        if rec is None or not rec.callback_url:
            return 0
        chosen = self.selection(rec)
        added = 0
        while True:
            last = self.rows.cursor(session_id)
            events = self.rt.log.read(session_id, after=last, limit=500)
            if not events:
                return added
            messages = []
            for ev in events:
                name = webhook_name(ev)
                if name is None or not selected(name, chosen):
                    continue
                body = payload(ev)
                messages.append((ev.seq, body["event"], json.dumps(body, separators=(",", ":"))))
            self.rows.enqueue(session_id, rec.callback_url, messages, events[-1].seq)
            added += len(messages)
