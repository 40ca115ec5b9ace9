"""Live fan-out of persisted events, and cursors that replay the log then follow live.

A subscriber's queue is bounded. When a reader falls behind, the bus stops queueing for it
and marks it overflowed; its cursor then catches up from the durable log. So a slow reader
never blocks publishing and never loses an event, and nothing grows without bound.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable

from copilot.events import CaptureSessionEvent, Event
from copilot.runtime.states import TERMINAL
from copilot.store import EventLog

ALL = "*"


class Subscriber:
    """One reader's queue of live events: a deque and at most one waiting reader (an
    `asyncio.Queue` costs several times as much per event, and the bus pushes every event
    to every subscriber of its session)."""

    __slots__ = ("_items", "_waiter", "key", "maxsize", "overflowed")

    def __init__(self, key: str, maxsize: int) -> None:
        self.key = key
        self.maxsize = maxsize
        self._items: deque[Event] = deque()
        self._waiter: asyncio.Future | None = None
        self.overflowed = False

    def push(self, event: Event) -> bool:
        if self.overflowed:
            return False
        if len(self._items) >= self.maxsize:
            self.overflowed = True
            return False
        self._items.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return True

    def empty(self) -> bool:
        return not self._items

    def take_all(self) -> list[Event]:
        """Everything queued, without waiting."""
        items = list(self._items)
        self._items.clear()
        return items

    async def get(self) -> Event:
        """The next queued event, waiting for one (a single reader per subscriber)."""
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def take(self, first: Event, limit: int) -> list[Event]:
        """`first` (just awaited) and what else is queued, up to `limit`."""
        batch = [first]
        items = self._items
        for _ in range(min(limit - 1, len(items))):
            batch.append(items.popleft())
        return batch

    def reset(self) -> None:
        self._items.clear()
        self.overflowed = False


class Bus:
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._subs: dict[str, set[Subscriber]] = {}
        self.delivered = 0
        self.overflows = 0

    def subscribe(self, session_id: str = ALL) -> Subscriber:
        sub = Subscriber(session_id, self.maxsize)
        self._subs.setdefault(session_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self._subs.get(sub.key)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.key]

    def publish(self, event: Event) -> None:
        for key in (event.capture_session_id, ALL):
            for sub in self._subs.get(key, ()):
                if sub.push(event):
                    self.delivered += 1
                else:
                    self.overflows += 1

    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subs.values())


class BusReader:
    """A bus subscription that a cursor closes once (shared by the session and all-session
    cursors)."""

    def __init__(self, bus: Bus, key: str) -> None:
        self._bus = bus
        self._sub = bus.subscribe(key)
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus.unsubscribe(self._sub)


class EventCursor(BusReader):
    """Reads one session's events from `since` (exclusive): the log first, then live.

    Runs on the runtime loop. `next_batch` returns the next events in seq order, each exactly
    once, or None when the session has ended (terminal status) and everything was read.
    """

    def __init__(
        self,
        bus: Bus,
        log: EventLog,
        session_id: str,
        *,
        since: int = 0,
        types: Iterable[str] | None = None,
        until_end: bool = True,
        status_of: Callable[[str], str | None],
    ) -> None:
        self._log = log
        self.session_id = session_id
        self.last = since
        self.types = frozenset(types) if types is not None else None
        self.until_end = until_end
        self._status_of = status_of
        super().__init__(bus, session_id)  # before reading the log: no gap between
        self._catching_up = True
        self._saw_terminal = False

    def _accept(self, events: list[Event]) -> list[Event]:
        for ev in events:
            if isinstance(ev, CaptureSessionEvent) and ev.status in TERMINAL:
                self._saw_terminal = True
        if self.types is None:
            return events
        return [ev for ev in events if ev.type in self.types]

    def _ended(self) -> bool:
        return self.until_end and self._status_of(self.session_id) in TERMINAL

    async def next_batch(self, limit: int = 500) -> list[Event] | None:
        while not self.closed:
            if self._sub.overflowed:
                self._sub.reset()
                self._catching_up = True
            if self._catching_up:
                rows = self._log.read(self.session_id, after=self.last, limit=limit)
                if rows:
                    self.last = rows[-1].seq
                    out = self._accept(rows)
                    if out:
                        return out
                    continue
                self._catching_up = False
                if self._ended():
                    break
            if self._sub.empty() and self._saw_terminal and self._ended():
                # the terminal event was read; make sure nothing was appended after it
                self._catching_up = True
                self._saw_terminal = False
                continue
            first = await self._sub.get()
            out = self._take_live(first, limit)
            if out:
                return out
        self.close()
        return None

    def _take_live(self, first: Event, limit: int) -> list[Event]:
        fresh = []
        for ev in self._sub.take(first, limit):
            if ev.seq <= self.last:
                continue
            if ev.seq != self.last + 1:  # a gap: fill it from the log
                self._catching_up = True
                break
            self.last = ev.seq
            fresh.append(ev)
        return self._accept(fresh)
