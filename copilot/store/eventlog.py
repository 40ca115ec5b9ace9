"""The durable event log: per-session, gap-free `seq`, committed before anyone sees the event.

`append` reserves seqs from the session's counter row (`event_seqs`: its row lock makes every
writer of the session — in this process, another process or another replica — take turns)
and inserts the events in the same transaction, commits, and only then returns the numbered
events for fan-out. A failed insert rolls back and consumes no seq. On Postgres this is one
statement, whose commit also NOTIFYs `copilot_events` with the session and its seq range, so
other replicas read the new events from the log (the payload never carries an event).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable

from copilot.errors import InvalidEvent
from copilot.events import Event, EventTypes
from copilot.ids import new_id
from copilot.store.sessions import SessionTx
from copilot.store.sql import Db, marks

EVENTS_CHANNEL = "copilot_events"
TxStep = Callable[[SessionTx], None]


def _serialize(event: Event) -> str:
    """The stored body; what JSON cannot hold (a lone surrogate) fails here, before the insert."""
    try:
        return event.model_dump_json()
    except ValueError as exc:
        raise InvalidEvent(f"{event.type} event cannot be stored: {exc}") from None


class EventLog:
    def __init__(
        self,
        db: Db,
        types: EventTypes,
        on_commit: Callable[[int], None] | None = None,
        node: str = "",
    ) -> None:
        self.db = db
        self._types = types
        self._on_commit = on_commit
        self.node = node  # who appended, in the notification (a replica skips its own)

    def append(self, draft: Event, *, also: TxStep | None = None) -> Event:
        """Persist one event; `also` runs in the same transaction (e.g. a status update)."""
        return self.append_many([draft], also=also)[0]

    def append_many(self, drafts: Iterable[Event], *, also: TxStep | None = None) -> list[Event]:
        """Persist events (of one or more sessions) in one transaction, in order."""
        drafts = list(drafts)
        groups: dict[str, list[int]] = {}
        for i, d in enumerate(drafts):
            groups.setdefault(d.capture_session_id, []).append(i)
        out: list[Event | None] = [None] * len(drafts)
        atomic = also is not None or len(groups) > 1
        with self.db.transaction() if atomic else contextlib.nullcontext():
            if also is not None:
                also(SessionTx(self.db))
            for sid in sorted(groups):  # one order for every writer: no deadlock
                events = [
                    drafts[i].model_copy(update={"id": drafts[i].id or new_id("evt")})
                    for i in groups[sid]
                ]
                rows = [
                    (ev.id, ev.type, ev.rtstream_id, ev.created_at, _serialize(ev)) for ev in events
                ]
                first = self.db.append(sid, rows, f"{self.node} {sid}")
                for n, (i, ev) in enumerate(zip(groups[sid], events, strict=True)):
                    out[i] = ev.model_copy(update={"seq": first + n})
        if self._on_commit is not None:
            self._on_commit(len(out))
        return out  # type: ignore[return-value]

    def last_seq(self, session_id: str) -> int:
        row = self.db.execute(
            "SELECT last_seq FROM event_seqs WHERE capture_session_id = ?", (session_id,)
        ).fetchone()
        return row[0] if row else 0

    def last_seqs(self) -> dict[str, int]:
        """The last seq of every session that has events (one index probe per session)."""
        rows = self.db.execute("SELECT capture_session_id, last_seq FROM event_seqs").fetchall()
        return {sid: seq for sid, seq in rows if seq}

    def read(
        self,
        session_id: str,
        *,
        after: int = 0,
        limit: int = 1000,
        types: Iterable[str] | None = None,
        until: int | None = None,
    ) -> list[Event]:
        """Events with `after` < seq (≤ `until`), in order; `types` filters by event type."""
        sql = "SELECT seq, id, type, created_at, body FROM events"
        sql += " WHERE capture_session_id = ? AND seq > ?"
        args: list = [session_id, after]
        if until is not None:
            sql += " AND seq <= ?"
            args.append(until)
        if types is not None:
            names = list(types)
            sql += f" AND type IN ({marks(len(names))})"
            args += names
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        rows = self.db.execute(sql, args).fetchall()
        return [self._load_row(session_id, *row) for row in rows]

    def _load_row(self, session_id: str, seq: int, eid: str, type_: str, at, body: str) -> Event:
        """A stored row as an event; one that cannot be parsed is an `unreadable` event. The
        seq column is the authority: the body is written before its seq is known."""
        return self._types.load_stored(
            body, session_id=session_id, seq=seq, event_id=eid, stored_type=type_, created_at=at
        )

    def count(self, session_id: str) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM events WHERE capture_session_id = ?", (session_id,)
        ).fetchone()
        return row[0]

    def last_end(self, session_id: str, rtstream_id: str, types: Iterable[str]) -> float | None:
        """The latest `end` among an RTStream's events of `types` (where a new owner of the
        stream resumes its features after a failover)."""
        names = list(types)
        rows = self.db.execute(
            "SELECT body FROM events WHERE capture_session_id = ? AND rtstream_id = ?"
            f" AND type IN ({marks(len(names))}) ORDER BY seq DESC LIMIT 500",
            [session_id, rtstream_id, *names],
        ).fetchall()
        ends = []
        for (body,) in rows:
            data = json.loads(body)
            if data.get("is_final", True) and data.get("end") is not None:
                ends.append(float(data["end"]))
        return max(ends) if ends else None
