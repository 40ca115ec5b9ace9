"""The webhook outbox: rows derived from the durable event log, in the runtime's database.

Rows are not written by whoever publishes an event; a reconciler copies lifecycle and alert
events of sessions with a `callback_url` from the log into `webhook_outbox`, and advances a
per-session cursor in the same transaction. It runs after each such event (a `copilot_event`
hook) and at startup, so an event committed just before a crash is still enqueued on restart.
The webhook id is derived from (session, seq): enqueuing twice is a no-op, every retry of a
message carries the same `webhook-id`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from copilot.events import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL UNIQUE,
    capture_session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    url TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL,
    delivered_at REAL,
    UNIQUE (capture_session_id, seq)
);
CREATE INDEX IF NOT EXISTS webhook_outbox_pending
    ON webhook_outbox (status, capture_session_id, id);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    outbox_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    at REAL NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_cursor (
    capture_session_id TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
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
    """Runs on the runtime loop (its sqlite connection belongs to that thread)."""

    def __init__(self, rt) -> None:
        self.rt = rt
        self.db: sqlite3.Connection = rt.db
        self.db.executescript(SCHEMA)

    def secret(self, make) -> str:
        row = self.db.execute("SELECT value FROM webhook_config WHERE key = 'secret'").fetchone()
        if row:
            return row[0]
        value = make()
        self.db.execute("INSERT INTO webhook_config (key, value) VALUES ('secret', ?)", (value,))
        return value

    def stale_sessions(self) -> list[str]:
        rows = self.db.execute(
            "SELECT s.id FROM sessions s LEFT JOIN webhook_cursor c ON c.capture_session_id = s.id"
            " WHERE s.callback_url IS NOT NULL AND COALESCE(c.last_seq, 0) < (SELECT"
            " COALESCE(MAX(seq), 0) FROM events e WHERE e.capture_session_id = s.id"
            " AND e.type IN ('capture_session', 'alert'))"
        ).fetchall()
        return [r[0] for r in rows]

    def reconcile(self, session_id: str) -> int:
        """Enqueue the session's logged webhook events not yet in the outbox; count them."""
        rec = self.rt.sessions.get(session_id)
        if rec is None or not rec.callback_url:
            return 0
        added = 0
        while True:
            row = self.db.execute(
                "SELECT last_seq FROM webhook_cursor WHERE capture_session_id = ?", (session_id,)
            ).fetchone()
            last = row[0] if row else 0
            events = self.rt.log.read(session_id, after=last, limit=500, types=WEBHOOK_TYPES)
            if not events:
                return added
            now = time.time()
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for ev in events:
                    if ev.type not in WEBHOOK_TYPES:  # an unreadable row: nothing to send
                        continue
                    body = payload(ev)
                    self.db.execute(
                        "INSERT OR IGNORE INTO webhook_outbox (webhook_id, capture_session_id,"
                        " seq, url, event, body, next_attempt_at, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            f"msg_{session_id}_{ev.seq}",
                            session_id,
                            ev.seq,
                            rec.callback_url,
                            body["event"],
                            json.dumps(body, separators=(",", ":")),
                            now,
                            now,
                        ),
                    )
                self.db.execute(
                    "INSERT OR REPLACE INTO webhook_cursor (capture_session_id, last_seq)"
                    " VALUES (?, ?)",
                    (session_id, events[-1].seq),
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            added += len(events)


ATTEMPT_COLS = (
    "webhook_id",
    "capture_session_id",
    "event",
    "url",
    "status",
    "attempt",
    "at",
    "status_code",
    "error",
    "duration_ms",
)


def list_attempts(conn: sqlite3.Connection, limit: int = 100) -> list[dict[str, Any]]:
    """Latest delivery attempts, newest first (what `copilot webhooks list` prints)."""
    try:
        rows = conn.execute(
            "SELECT o.webhook_id, o.capture_session_id, o.event, o.url, o.status, a.attempt,"
            " a.at, a.status_code, a.error, a.duration_ms FROM webhook_attempts a"
            " JOIN webhook_outbox o ON o.id = a.outbox_id ORDER BY a.at DESC LIMIT ?",
            (limit,),
        ).fetchall()
    except sqlite3.OperationalError:  # no webhook tables yet: nothing was ever sent
        return []
    return [dict(zip(ATTEMPT_COLS, r, strict=True)) for r in rows]
