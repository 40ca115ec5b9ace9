"""The sessions and rtstreams tables. `SessionTx` is what an `EventLog.append(also=...)` step
gets: session writes that commit (or roll back) with the event they go with."""

from __future__ import annotations

import json

from copilot.store.records import RTStreamRecord, SessionRecord
from copilot.store.sql import Db, marks

_SESSION_COLS = list(SessionRecord.model_fields)
_STREAM_COLS = list(RTStreamRecord.model_fields)
_JSON_COLS = {"metadata", "channels", "webhook_events"}
_UPSERT = (
    f"INSERT INTO sessions ({', '.join(_SESSION_COLS)})"
    f" VALUES ({', '.join('?' * len(_SESSION_COLS))})"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _SESSION_COLS if c != "id")
)


def _session_row(rec: SessionRecord) -> tuple:
    data = rec.model_dump()
    return tuple(json.dumps(data[c]) if c in _JSON_COLS else data[c] for c in _SESSION_COLS)


def _session_from_row(row: tuple) -> SessionRecord:
    data = dict(zip(_SESSION_COLS, row, strict=True))
    for c in _JSON_COLS:
        if data[c] is not None:  # NULL: a column added later (webhook_events), unset
            data[c] = json.loads(data[c])
    return SessionRecord.model_validate(data)


def _stream_from_row(row: tuple) -> RTStreamRecord:
    return RTStreamRecord.model_validate(dict(zip(_STREAM_COLS, row, strict=True)))


class SessionTx:
    """Session writes inside the event log's transaction."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def status(self, session_id: str) -> str | None:
        """The committed status, locked until commit (so a concurrent transition waits)."""
        row = self.db.execute(
            "SELECT status FROM sessions WHERE id = ?" + self.db.dialect.for_update, (session_id,)
        ).fetchone()
        return row[0] if row else None

    def upsert(self, rec: SessionRecord) -> None:
        self.db.execute(_UPSERT, _session_row(rec))

    def add_rtstreams(self, streams: list[RTStreamRecord]) -> None:
        self.db.executemany(
            f"INSERT INTO rtstreams ({', '.join(_STREAM_COLS)}) VALUES"
            f" ({', '.join('?' * len(_STREAM_COLS))})",
            [tuple(getattr(s, c) for c in _STREAM_COLS) for s in streams],
        )


class SessionStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    def get(self, session_id: str) -> SessionRecord | None:
        row = self.db.execute(
            f"SELECT {', '.join(_SESSION_COLS)} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return _session_from_row(row) if row else None

    def callback_url(self, session_id: str) -> str | None:
        """The session's webhook URL (None: no such session, or none set), no record built."""
        row = self.db.execute(
            "SELECT callback_url FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return row[0] if row else None

    def existing(self, session_ids: list[str]) -> set[str]:
        """Which of these sessions exist (one query, no records built)."""
        if not session_ids:
            return set()
        rows = self.db.execute(
            f"SELECT id FROM sessions WHERE id IN ({marks(len(session_ids))})", session_ids
        ).fetchall()
        return {r[0] for r in rows}

    def list(self, status: str | None = None, limit: int | None = None) -> list[SessionRecord]:
        sql = f"SELECT {', '.join(_SESSION_COLS)} FROM sessions"
        args: list = []
        if status is not None:
            sql += " WHERE status = ?"
            args.append(status)
        sql += " ORDER BY created_at DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_session_from_row(r) for r in self.db.execute(sql, args).fetchall()]

    def rtstreams(self, session_id: str) -> list[RTStreamRecord]:
        rows = self.db.execute(
            f"SELECT {', '.join(_STREAM_COLS)} FROM rtstreams WHERE capture_session_id = ?"
            " ORDER BY created_at, id",
            (session_id,),
        ).fetchall()
        return [_stream_from_row(r) for r in rows]

    def rtstream(self, rtstream_id: str) -> RTStreamRecord | None:
        row = self.db.execute(
            f"SELECT {', '.join(_STREAM_COLS)} FROM rtstreams WHERE id = ?", (rtstream_id,)
        ).fetchone()
        return _stream_from_row(row) if row else None

    def delete(self, session_id: str) -> None:
        """Rows, log and per-session state of a session, in one transaction."""
        with self.db.transaction():
            for table, col in (
                ("events", "capture_session_id"),
                ("event_seqs", "capture_session_id"),
                ("rtstreams", "capture_session_id"),
                ("session_features", "capture_session_id"),
                ("ingest_leases", "capture_session_id"),
                ("client_token_sessions", "capture_session_id"),
                ("sessions", "id"),
            ):
                self.db.execute(f"DELETE FROM {table} WHERE {col} = ?", (session_id,))
