"""A reader of every session's events at once, for hosts that watch the whole runtime.

There is no global sequence in the log (seq is per session), so the cursor is a map
`{session_id: last seq read}`. A fresh cursor starts "from now": it subscribes to the bus,
then snapshots every session's last seq, and only later events count. A session missing from
the map reads from seq 1 — exact, because the snapshot holds every session that had events.
So a reader that keeps the snapshot plus the seqs it saw resumes with no gap and no duplicate.
Order is per session (seq order); across sessions it is the publish order when live, and
session by session while catching up from the log.
"""

from __future__ import annotations

from collections.abc import Iterable

from copilot.events import Event
from copilot.runtime.bus import ALL, Bus, BusReader
from copilot.store import EventLog


class AllSessionsCursor(BusReader):
    """Live events of all sessions after `since` (a seq map), or after now when None.

    Runs on the runtime loop. A session whose live events show a gap (a bus overflow, a
    reader that resumed behind) is filled from the log before its live events count again.
    """

    def __init__(
        self,
        bus: Bus,
        log: EventLog,
        *,
        since: dict[str, int] | None = None,
        types: Iterable[str] | None = None,
    ) -> None:
        self._log = log
        self.types = frozenset(types) if types is not None else None
        super().__init__(bus, ALL)  # before the snapshot: nothing falls in between
        self.last: dict[str, int] = log.last_seqs() if since is None else dict(since)
        self._rescan = since is not None
        self._behind: set[str] = set()

    def _accept(self, events: list[Event]) -> list[Event]:
        if self.types is None:
            return events
        return [ev for ev in events if ev.type in self.types]

    def _catch_up(self, limit: int) -> list[Event]:
        """Read the log of sessions known to be behind; [] when none is."""
        if self._rescan:
            self._rescan = False
            ahead = self._log.last_seqs()
            self._behind |= {s for s, seq in ahead.items() if seq > self.last.get(s, 0)}
        while self._behind:
            sid = min(self._behind)
            rows = self._log.read(sid, after=self.last.get(sid, 0), limit=limit)
            if len(rows) < limit:
                self._behind.discard(sid)
            if rows:
                self.last[sid] = rows[-1].seq
                out = self._accept(rows)
                if out:
                    return out
        return []

    async def next_batch(self, limit: int = 500) -> list[Event] | None:
        """The next events (each exactly once), or None once closed."""
        while not self.closed:
            if self._sub.overflowed:  # the bus dropped events for us: rescan the log
                self._sub.reset()
                self._rescan = True
            out = self._catch_up(limit)
            if out:
                return out
            first = await self._sub.get()
            out = self._take_live(first, limit)
            if out:
                return out
        return None

    def _take_live(self, first: Event, limit: int) -> list[Event]:
        fresh = []
        for ev in self._sub.take(first, limit):
            sid = ev.capture_session_id
            last = self.last.get(sid, 0)
            if sid in self._behind or ev.seq <= last:
                continue  # the log read delivers it (or already did)
            if ev.seq != last + 1:
                self._behind.add(sid)
                continue
            self.last[sid] = ev.seq
            fresh.append(ev)
        return self._accept(fresh)
