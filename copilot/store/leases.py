"""Who runs a live session's ingest, and what was started on it, for replicas on one store.

A lease row names the replica that owns a session's media ingest until `expires_at` (the
database's clock, so replicas' clocks never matter). The owner renews it; when it stops
renewing (killed, partitioned) the lease expires and another replica may take it. Started
features are rows too, so the new owner starts them again with the same options.
"""

from __future__ import annotations

import json
import time
from typing import Any

from copilot.store.sql import Db, marks

CONTROL_CHANNEL = "copilot_control"


class LeaseStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    def acquire(self, session_id: str, owner: str, ttl: float) -> str | None:
        """Take (or keep) the lease; None on success, else the current owner's name."""
        now = self.db.dialect.now
        got = self.db.execute(
            "INSERT INTO ingest_leases (capture_session_id, owner, expires_at, acquired_at)"
            f" VALUES (?, ?, {now} + ?, ?) ON CONFLICT (capture_session_id) DO UPDATE SET"
            " owner = excluded.owner, expires_at = excluded.expires_at,"
            " acquired_at = excluded.acquired_at"
            f" WHERE ingest_leases.owner = excluded.owner OR ingest_leases.expires_at < {now}"
            " RETURNING owner",
            (session_id, owner, ttl, time.time()),
        ).fetchone()
        if got is not None:
            return None
        holder = self.holder(session_id)
        return holder[0] if holder else "?"

    def holder(self, session_id: str) -> tuple[str, float] | None:
        """(owner, seconds until it expires; negative once expired), or None."""
        row = self.db.execute(
            f"SELECT owner, expires_at - {self.db.dialect.now} FROM ingest_leases"
            " WHERE capture_session_id = ?",
            (session_id,),
        ).fetchone()
        return (row[0], float(row[1])) if row else None

    def renew(self, session_ids: list[str], owner: str, ttl: float) -> set[str]:
        """Extend the leases `owner` still holds; returns the sessions it holds."""
        if not session_ids:
            return set()
        rows = self.db.execute(
            f"UPDATE ingest_leases SET expires_at = {self.db.dialect.now} + ?"
            f" WHERE owner = ? AND capture_session_id IN ({marks(len(session_ids))})"
            " RETURNING capture_session_id",
            [ttl, owner, *session_ids],
        ).fetchall()
        return {r[0] for r in rows}

    def release(self, session_id: str, owner: str) -> None:
        self.db.execute(
            "DELETE FROM ingest_leases WHERE capture_session_id = ? AND owner = ?",
            (session_id, owner),
        )

    def expired(self, older_than: float) -> list[tuple[str, str]]:
        """(session, last owner) of leases that expired more than `older_than` seconds ago."""
        return self.db.execute(
            "SELECT capture_session_id, owner FROM ingest_leases"
            f" WHERE expires_at < {self.db.dialect.now} - ?",
            (older_than,),
        ).fetchall()


class FeatureStore:
    """Features started on RTStreams of live sessions (rows go when stopped or at stop)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def started(
        self, session_id: str, rtstream_id: str, name: str, method: str, options: dict[str, Any]
    ) -> bool:
        """Record a start; False if the feature was already recorded on that stream."""
        with self.db.transaction():
            res = self.db.execute(
                "INSERT INTO session_features (rtstream_id, name, capture_session_id, method,"
                " options, started_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    rtstream_id,
                    name,
                    session_id,
                    method,
                    json.dumps(options, default=str),
                    time.time(),
                ),
            )
            self.db.notify(CONTROL_CHANNEL, session_id)
        return res.rowcount > 0

    def stopped(self, session_id: str, rtstream_id: str, name: str) -> bool:
        with self.db.transaction():
            res = self.db.execute(
                "DELETE FROM session_features WHERE rtstream_id = ? AND name = ?",
                (rtstream_id, name),
            )
            self.db.notify(CONTROL_CHANNEL, session_id)
        return res.rowcount > 0

    def of_session(self, session_id: str) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(rtstream id, feature name, method, options), in start order."""
        rows = self.db.execute(
            "SELECT rtstream_id, name, method, options FROM session_features"
            " WHERE capture_session_id = ? ORDER BY started_at",
            (session_id,),
        ).fetchall()
        return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def clear(self, session_id: str) -> None:
        self.db.execute("DELETE FROM session_features WHERE capture_session_id = ?", (session_id,))
