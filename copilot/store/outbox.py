"""The webhook outbox tables: rows derived from the event log, claimed by one sender at a time.

A sender claims a due row for `claim_ttl` seconds before it POSTs (`FOR UPDATE SKIP LOCKED` on
Postgres, under SQLite's write lock otherwise), so replicas sharing the outbox never send one
row at once; a sender that dies mid-attempt leaves a claim that expires, and another retries
with the same `webhook-id` (at least once, never twice at the same time).
"""

from __future__ import annotations

import time
from typing import Any

from copilot.store.sql import Db, marks

WEBHOOKS_CHANNEL = "copilot_webhooks"
ROW_COLS = ("id", "webhook_id", "url", "body", "attempts", "next_attempt_at", "created_at")
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


class OutboxStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    # ------------------------------------------------------------ filling (the reconciler)
    def stale_sessions(self) -> list[str]:
        """Sessions with a callback_url whose logged events the reconciler has not all read."""
        rows = self.db.execute(
            "SELECT s.id FROM sessions s LEFT JOIN webhook_cursor c ON c.capture_session_id = s.id"
            " WHERE s.callback_url IS NOT NULL AND COALESCE(c.last_seq, 0) < (SELECT"
            " COALESCE(MAX(seq), 0) FROM events e WHERE e.capture_session_id = s.id)"
        ).fetchall()
        return [r[0] for r in rows]

    def cursor(self, session_id: str) -> int:
        row = self.db.execute(
            "SELECT last_seq FROM webhook_cursor WHERE capture_session_id = ?", (session_id,)
        ).fetchone()
        return row[0] if row else 0

    def enqueue(
        self, session_id: str, url: str, messages: list[tuple[int, str, str]], last_seq: int
    ) -> None:
        """Add (seq, event name, body) rows and move the session's cursor to `last_seq`, in
        one transaction; a row already there is left alone (its webhook id is derived from
        session and seq)."""
        now = time.time()
        with self.db.transaction():
            if messages:
                self.db.notify(WEBHOOKS_CHANNEL, session_id)
            self.db.executemany(
                "INSERT INTO webhook_outbox (webhook_id, capture_session_id, seq, url, event,"
                " body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [
                    (f"msg_{session_id}_{seq}", session_id, seq, url, name, body, now, now)
                    for seq, name, body in messages
                ],
            )
            self.db.execute(
                "INSERT INTO webhook_cursor (capture_session_id, last_seq) VALUES (?, ?)"
                " ON CONFLICT (capture_session_id) DO UPDATE SET last_seq ="
                f" {self.db.dialect.greatest}(webhook_cursor.last_seq, excluded.last_seq)",
                (session_id, last_seq),
            )

    # ------------------------------------------------------------ sending
    def heads(self) -> list[tuple[int, float, float | None]]:
        """(id, next_attempt_at, claimed_until) of the oldest pending row of each session."""
        return self.db.execute(
            "SELECT id, next_attempt_at, claimed_until FROM webhook_outbox WHERE id IN"
            " (SELECT MIN(id) FROM webhook_outbox WHERE status = 'pending'"
            " GROUP BY capture_session_id)"
        ).fetchall()

    def unsent_heads(self) -> int:
        """Sessions whose oldest pending row was never tried yet (what a close waits for)."""
        return self.db.execute(
            "SELECT COUNT(*) FROM webhook_outbox WHERE attempts = 0 AND id IN"
            " (SELECT MIN(id) FROM webhook_outbox WHERE status = 'pending'"
            " GROUP BY capture_session_id)"
        ).fetchone()[0]

    def claim(self, ids: list[int], owner: str, ttl: float) -> list[tuple]:
        """Claim those of `ids` that are due and unclaimed; returns their ROW_COLS rows."""
        if not ids:
            return []
        # the senders' clock, like next_attempt_at (which they wrote)
        now = time.time()
        return self.db.execute(
            "UPDATE webhook_outbox SET claimed_by = ?, claimed_until = ?"
            f" WHERE id IN (SELECT id FROM webhook_outbox WHERE id IN ({marks(len(ids))})"
            " AND status = 'pending' AND next_attempt_at <= ?"
            " AND (claimed_until IS NULL OR claimed_until < ?)"
            f"{self.db.dialect.skip_locked}) RETURNING {', '.join(ROW_COLS)}",
            [owner, now + ttl, *ids, now, now],
        ).fetchall()

    def record(
        self,
        oid: int,
        attempt: int,
        started: float,
        status_code: int | None,
        error: str | None,
        *,
        status: str,
        next_attempt_at: float,
    ) -> None:
        """One attempt's outcome, and the row's new state (claim released), together."""
        now = time.time()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO webhook_attempts (outbox_id, attempt, at, status_code, error,"
                " duration_ms) VALUES (?, ?, ?, ?, ?, ?)",
                (oid, attempt, started, status_code, error, round((now - started) * 1000, 2)),
            )
            self.db.execute(
                "UPDATE webhook_outbox SET status = ?, attempts = ?, next_attempt_at = ?,"
                " last_error = ?, delivered_at = ?, claimed_by = NULL, claimed_until = NULL"
                " WHERE id = ?",
                (
                    status,
                    attempt,
                    next_attempt_at,
                    error,
                    now if status == "delivered" else None,
                    oid,
                ),
            )

    # ------------------------------------------------------------ reading
    def attempts(self, limit: int = 100) -> list[dict[str, Any]]:
        """Latest delivery attempts, newest first (what `copilot webhooks list` prints)."""
        rows = self.db.execute(
            "SELECT o.webhook_id, o.capture_session_id, o.event, o.url, o.status, a.attempt,"
            " a.at, a.status_code, a.error, a.duration_ms FROM webhook_attempts a"
            " JOIN webhook_outbox o ON o.id = a.outbox_id ORDER BY a.at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        out = [dict(zip(ATTEMPT_COLS, r, strict=True)) for r in rows]
        for a in out:  # this attempt's own outcome; `status` is the message's state now
            a["result"] = "failed" if a["error"] else "ok"
        return out

    def messages(self, limit: int = 100) -> list[dict[str, Any]]:
        """Messages, newest first, each with its state now and its last attempt's outcome
        (what `copilot webhooks list` prints: one line per message, not per attempt)."""
        cols = ("webhook_id", "capture_session_id", "event", "url", "status", "attempts")
        cols += ("created_at", "next_attempt_at", "delivered_at", "last_error")
        rows = self.db.execute(
            f"SELECT {', '.join('o.' + c for c in cols)}, a.status_code FROM webhook_outbox o"
            " LEFT JOIN webhook_attempts a ON a.outbox_id = o.id AND a.attempt = o.attempts"
            " ORDER BY o.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(zip((*cols, "last_status_code"), r, strict=True)) for r in rows]

    def rows(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows (oldest first): webhook_id, seq, event, status, attempts."""
        cols = ("webhook_id", "capture_session_id", "seq", "event", "status", "attempts")
        sql = f"SELECT {', '.join(cols)} FROM webhook_outbox"
        sql += " WHERE capture_session_id = ?" if session_id else ""
        rows = self.db.execute(sql + " ORDER BY id", (session_id,) if session_id else ())
        return [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]
