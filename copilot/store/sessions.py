"""Rows for capture sessions and their RTStreams (the event log holds their history)."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from pydantic import BaseModel, Field

from copilot.events import SessionStatus


class SessionRecord(BaseModel):
    id: str
    status: SessionStatus = "created"
    end_user_id: str | None = None
    callback_url: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    channels: list[dict[str, Any]] = Field(default_factory=list)
    primary_video_channel_id: str | None = None
    reason: str | None = None
    owner_pid: int | None = None
    created_at: float = Field(default_factory=time.time)
    started_at: float | None = None
    updated_at: float = Field(default_factory=time.time)


class RTStreamRecord(BaseModel):
    id: str
    capture_session_id: str
    channel_id: str
    category: str
    name: str
    created_at: float = Field(default_factory=time.time)


_SESSION_COLS = list(SessionRecord.model_fields)
_JSON_COLS = {"metadata", "channels"}


def _session_row(rec: SessionRecord) -> tuple:
    data = rec.model_dump()
    return tuple(json.dumps(data[c]) if c in _JSON_COLS else data[c] for c in _SESSION_COLS)


def _session_from_row(row: tuple) -> SessionRecord:
    data = dict(zip(_SESSION_COLS, row, strict=True))
    for c in _JSON_COLS:
        data[c] = json.loads(data[c])
    return SessionRecord.model_validate(data)


class SessionStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @staticmethod
    def upsert(conn: sqlite3.Connection, rec: SessionRecord) -> None:
        """Write the whole row; usable as an `EventLog.append(also=...)` step."""
        cols = ", ".join(_SESSION_COLS)
        marks = ", ".join("?" * len(_SESSION_COLS))
        conn.execute(
            f"INSERT OR REPLACE INTO sessions ({cols}) VALUES ({marks})", _session_row(rec)
        )

    @staticmethod
    def add_rtstreams(conn: sqlite3.Connection, streams: list[RTStreamRecord]) -> None:
        conn.executemany(
            "INSERT INTO rtstreams (id, capture_session_id, channel_id, category, name,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (s.id, s.capture_session_id, s.channel_id, s.category, s.name, s.created_at)
                for s in streams
            ],
        )

    def get(self, session_id: str) -> SessionRecord | None:
        row = self._conn.execute(
            f"SELECT {', '.join(_SESSION_COLS)} FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return _session_from_row(row) if row else None

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
        return [_session_from_row(r) for r in self._conn.execute(sql, args).fetchall()]

    def rtstreams(self, session_id: str) -> list[RTStreamRecord]:
        rows = self._conn.execute(
            "SELECT id, capture_session_id, channel_id, category, name, created_at"
            " FROM rtstreams WHERE capture_session_id = ? ORDER BY created_at, id",
            (session_id,),
        ).fetchall()
        keys = list(RTStreamRecord.model_fields)
        return [RTStreamRecord.model_validate(dict(zip(keys, r, strict=True))) for r in rows]

    def delete(self, session_id: str) -> None:
        self._conn.execute("DELETE FROM rtstreams WHERE capture_session_id = ?", (session_id,))
        self._conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
