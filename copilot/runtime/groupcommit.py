"""Group commit: events published by many callers in one loop turn share one transaction.

A server answering many emit requests at once paid a BEGIN/COMMIT (and its WAL writes) per
event. `GroupCommit.publish` queues the draft; the first one queued in a turn schedules a
flush at the end of that turn, which appends everything queued with one `append_many` and
then fans each event out in seq order, exactly as `Runtime.publish` does. Callers await
their own event (with its seq), or their own error: when the shared append fails, each
draft is appended alone so one bad event fails only its caller. While drafts keep
arriving turn after turn (a busy server: the last commit was just now, or more joined since
the flush last looked), the flush waits for them, a few turns at most (`MAX_WAIT_TURNS`): a
commit costs more than the events in it, and a turn of a loop is microseconds. A lone event
on an idle loop is committed in the next turn, as before.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from copilot.events import Event

if TYPE_CHECKING:
    from copilot.runtime.runtime import Runtime


MAX_WAIT_TURNS = 8  # a busy loop still commits every few turns
BUSY_WITHIN = 0.002  # s since the last commit: events are streaming in


class GroupCommit:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._queued: list[tuple[Event, asyncio.Future]] = []
        self._seen = 0  # queued when the flush last looked
        self._waited = 0  # turns the queued events have waited for company
        self._last_flush = float("-inf")
        self.flushes = 0
        self.events = 0

    async def publish(self, draft: Event) -> Event:
        """Persist and fan out `draft` together with the others of this loop turn (loop
        thread only); its event with seq once committed."""
        fut = self.rt.loop.create_future()
        if not self._queued:
            # idle: commit at the next look unless someone joins by then; busy (the last
            # commit was just now): the first look waits a turn for company too
            busy = self.rt.loop.time() - self._last_flush < BUSY_WITHIN
            self._seen = 0 if busy else 1
            self.rt.loop.call_soon(self._flush)
        self._queued.append((draft, fut))
        return await fut

    def _flush(self) -> None:
        if len(self._queued) > self._seen and self._waited < MAX_WAIT_TURNS:
            # more came in the last turn: the loop is busy with requests, so more are
            # likely in the next; waiting a turn for them costs less than a commit
            self._seen = len(self._queued)
            self._waited += 1
            self.rt.loop.call_soon(self._flush)
            return
        self._waited = 0
        queued, self._queued = self._queued, []
        self.flushes += 1
        self.events += len(queued)
        try:
            events = self.rt.log.append_many([d for d, _ in queued])
        except Exception:
            events = None
        self._last_flush = self.rt.loop.time()  # when the commit ended: a slow one is no gap
        if events is None:  # one of them cannot be stored: each on its own
            for draft, fut in queued:
                try:
                    event = self.rt.log.append(draft)
                except Exception as exc:
                    if not fut.done():
                        fut.set_exception(exc)
                    continue
                self._deliver(event, fut)
            return
        for event, (_, fut) in zip(events, queued, strict=True):
            self._deliver(event, fut)

    def _deliver(self, event: Event, fut: asyncio.Future) -> None:
        try:
            self.rt.fan_out(event)
        finally:
            if not fut.done():  # a caller that went away still had its event stored
                fut.set_result(event)
