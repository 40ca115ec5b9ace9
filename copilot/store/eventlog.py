"""The durable event log: per-session, gap-free `seq`, committed before anyone sees the event.

`append` numbers the event inside a `BEGIN IMMEDIATE` transaction (so two processes on one
home can never hand out the same seq), commits, and only then returns the numbered event for
fan-out. A failed insert rolls back and consumes no seq.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

from copilot.errors import InvalidEvent
from copilot.events import Event, EventTypes
from copilot.ids import new_id

SqlStep = Callable[[sqlite3.Connection], None]


def _serialize(event: Event) -> str:
    """The stored body; what JSON cannot hold (a lone surrogate) fails here, before the insert."""
    try:
        return event.model_dump_json()
    except ValueError as exc:
        raise InvalidEvent(f"{event.type} event cannot be stored: {exc}") from None


class EventLog:
    def __init__(
        self,
        conn: sqlite3.Connection,
        types: EventTypes,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self._conn = conn
        self._types = types
        self._on_commit = on_commit

    def append(self, draft: Event, *, also: SqlStep | None = None) -> Event:
        """Persist one event; `also` runs in the same transaction (e.g. a status update)."""
        return self.append_many([draft], also=also)[0]

    def append_many(self, drafts: Iterable[Event], *, also: SqlStep | None = None) -> list[Event]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if also is not None:
                also(conn)
            out = []
            next_seq: dict[str, int] = {}
            for draft in drafts:
                sid = draft.capture_session_id
                if sid not in next_seq:
                    next_seq[sid] = self._max_seq(sid) + 1
                event = draft.model_copy(
                    update={"seq": next_seq[sid], "id": draft.id or new_id("evt")}
                )
                next_seq[sid] += 1
                body = _serialize(event)
                conn.execute(
                    "INSERT INTO events (capture_session_id, seq, id, type, rtstream_id,"
                    " created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        sid,
                        event.seq,
                        event.id,
                        event.type,
                        event.rtstream_id,
                        event.created_at,
                        body,
                    ),
                )
                out.append(event)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if self._on_commit is not None:
            self._on_commit(len(out))
        return out

    def _max_seq(self, session_id: str) -> int:
        row = self._conn.execute(
            "SELECT MAX(seq) FROM events WHERE capture_session_id = ?", (session_id,)
        ).fetchone()
        return row[0] or 0

    def last_seq(self, session_id: str) -> int:
        return self._max_seq(session_id)

    def last_seqs(self) -> dict[str, int]:
        """The last seq of every session that has events (one index probe per session)."""
        rows = self._conn.execute(
            "SELECT id, (SELECT MAX(seq) FROM events WHERE capture_session_id = sessions.id)"
            " FROM sessions"
        ).fetchall()
        return {sid: seq for sid, seq in rows if seq}

    def read(
        self,
        session_id: str,
        *,
        after: int = 0,
        limit: int = 1000,
        types: Iterable[str] | None = None,
    ) -> list[Event]:
        """Events with seq > `after`, in order; `types` filters by event type."""
        sql = "SELECT seq, id, type, created_at, body FROM events"
        sql += " WHERE capture_session_id = ? AND seq > ?"
        args: list = [session_id, after]
        if types is not None:
            names = list(types)
            sql += f" AND type IN ({','.join('?' * len(names))})"
            args += names
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        rows = self._conn.execute(sql, args).fetchall()
        return [self._load_row(session_id, *row) for row in rows]

    def _load_row(self, session_id: str, seq: int, eid: str, type_: str, at, body: str) -> Event:
        """A stored row as an event; one that cannot be parsed is an `unreadable` event."""
        return self._types.load_stored(
            body, session_id=session_id, seq=seq, event_id=eid, stored_type=type_, created_at=at
        )

    def count(self, session_id: str) -> int:
        row = self._conn.execute(
            "SELECT COUNT(*) FROM events WHERE capture_session_id = ?", (session_id,)
        ).fetchone()
        return row[0]

    def delete_session(self, session_id: str) -> int:
        cur = self._conn.execute("DELETE FROM events WHERE capture_session_id = ?", (session_id,))
        return cur.rowcount
