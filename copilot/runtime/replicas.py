"""What a runtime does about the other replicas on a shared (Postgres) store.

- Fan-out: every append on any replica NOTIFYs `copilot_events` with the session and its seq
  range (never the event). The store's listener thread hands each notice to the loop, which
  reads the new events from the log and publishes them on the local bus — so `/ws`, the
  all-sessions socket and `iter_events` on this replica see events appended anywhere, once,
  in seq order (a reader that sees a gap fills it from the log, as after a bus overflow).
  Plugins run where an event was appended, never a second time here.
- Leases: the ingest leases of the sessions live here are renewed every `lease_ttl / 3`; a
  lease found lost (another replica took the session over) stops the capture here.
- Reaping: live sessions whose lease expired `failover_grace` seconds ago, with no client
  back anywhere, are marked failed (the shared-store form of `recover_stale`).

On SQLite nothing here runs: one machine, one process owning its sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from copilot.events import Event
from copilot.runtime import failover
from copilot.store.eventlog import EVENTS_CHANNEL
from copilot.store.leases import CONTROL_CHANNEL
from copilot.store.outbox import WEBHOOKS_CHANNEL

if TYPE_CHECKING:
    from copilot.runtime.runtime import Runtime

log = logging.getLogger("copilot.replicas")
READ_BATCH = 1000


class Replicas:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.known: dict[str, int] = {}  # session -> last seq on this replica's bus
        self._pending: dict[str, tuple[int, int]] = {}  # session -> (first, last) notified
        self._flush_scheduled = False
        self._listener = None
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._closed = False
        # called on the loop with events appended elsewhere / when the webhook outbox may have
        # new rows / with a session this replica took over
        self.on_remote: list[Callable[[list[Event]], None]] = []
        self.on_outbox: list[Callable[[], None]] = []
        self.on_adopt: list[Callable[[str], None]] = []
        self.stats = {"notifications": 0, "remote_events": 0, "takeovers": 0, "lost_leases": 0}

    @property
    def active(self) -> bool:
        return self.rt.store.shared

    # ------------------------------------------------------------ lifecycle (loop thread)
    def start(self) -> None:
        if not self.active:
            return
        self._listener = self.rt.store.listen(
            [EVENTS_CHANNEL, WEBHOOKS_CHANNEL, CONTROL_CHANNEL], self._from_thread, self._resync
        )
        self._every(self.rt.settings.lease_ttl / 3, self._renew)
        self._every(max(1.0, self.rt.settings.lease_ttl), self._reap)

    def close(self) -> None:
        self._closed = True
        for handle in self._timers.values():
            handle.cancel()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _every(self, seconds: float, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop every `seconds` (a timer, not a poll: leases are time)."""

        def tick() -> None:
            try:
                fn()
            except Exception:
                log.exception("%s failed", fn.__name__)
            if not self._closed:
                self._timers[fn.__name__] = self.rt.loop.call_later(seconds, tick)

        self._timers[fn.__name__] = self.rt.loop.call_later(seconds, tick)

    # ------------------------------------------------------------ fan-out
    def published(self, event: Event) -> None:
        """A local append reached the bus (called by `Runtime.publish`)."""
        if self.active and event.seq > self.known.get(event.capture_session_id, 0):
            self.known[event.capture_session_id] = event.seq

    def _from_thread(self, channel: str, payload: str) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: the runtime is going away
            self.rt.loop.call_soon_threadsafe(self._notified, channel, payload)

    def _notified(self, channel: str, payload: str) -> None:
        self.stats["notifications"] += 1
        if channel == WEBHOOKS_CHANNEL:
            for cb in self.on_outbox:
                cb()
        elif channel == CONTROL_CHANNEL:
            failover.sync_features(self.rt.sessions, payload)
        elif channel == EVENTS_CHANNEL:
            node, sid, first, last = payload.split(" ")
            if node == self.rt.node:
                return
            lo, hi = self._pending.get(sid, (int(first), int(last)))
            self._pending[sid] = (min(lo, int(first)), max(hi, int(last)))
            if not self._flush_scheduled:  # one read per session for a burst of notices
                self._flush_scheduled = True
                self.rt.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        pending, self._pending = self._pending, {}
        for sid, (first, last) in pending.items():
            after = self.known.get(sid, first - 1)
            while after < last:
                events = self.rt.log.read(sid, after=after, limit=READ_BATCH)
                if not events:
                    break
                for ev in events:
                    self.rt.bus.publish(ev)
                after = self.known[sid] = events[-1].seq
                self.stats["remote_events"] += len(events)
                for cb in self.on_remote:
                    cb(events)

    def _resync(self) -> None:
        """The listener reconnected: notices sent meanwhile are lost, so read what every
        session this replica has followed appended since (from the listener thread)."""

        def again() -> None:
            for sid, seq in self.rt.log.last_seqs().items():
                if sid in self.known and seq > self.known[sid]:
                    self._pending[sid] = (self.known[sid] + 1, seq)
            self._flush()
            for cb in self.on_outbox:
                cb()

        self.rt.loop.call_soon_threadsafe(again)

    # ------------------------------------------------------------ leases
    def adopted(self, session_id: str) -> None:
        self.stats["takeovers"] += 1
        for cb in self.on_adopt:
            cb(session_id)

    def _renew(self) -> None:
        sm = self.rt.sessions
        mine = list(sm.live)
        held = self.rt.store.leases.renew(mine, self.rt.node, self.rt.settings.lease_ttl)
        for sid in mine:
            if sid not in held and sid in sm.live:
                self.stats["lost_leases"] += 1
                self.rt.loop.create_task(
                    failover.drop(sm, sid, "its ingest lease expired and another replica has it")
                )

    def _reap(self) -> None:
        failover.reap(self.rt.sessions, self.rt.settings.failover_grace)
