"""The capture client's bounded send buffer: frames wait here until the server acks them.

`pending` frames are not sent yet; `unacked` ones were sent on a connection that may have
dropped. After a reconnect, `rewind` puts the unacked ones back in front. When the buffer is
full the oldest frame is dropped and counted; a replay (`put(frame, wait=True)`) waits for
room instead, so nothing of a file is lost. A frame that cannot be encoded is counted
(`stats["frame_errors"]`), reported to the server as a `frame_error` message, and named in its
channel's `end`.

Acknowledged audio frames and channel ends are kept a while longer (`retained`, the last
`retain` of them): if the replica that acknowledged them dies before it transcribed them, the
replica that takes the session over says it holds nothing, and `rewind` sends them again (it
skips what the log already has). Video frames are not kept: the next screen sample serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from copilot.capture.frame_errors import FrameErrors
from copilot.capture.sources import FrameSink
from copilot.server import framing

log = logging.getLogger("copilot.remote.capture")
Item = tuple[int, int, bytes | str]  # (channel index, frame seq or <0 for control, data)
END = -2  # the seq slot of a channel's `end` message


class SendBuffer:
    def __init__(self, max_frames: int, stats: dict[str, int], retain: int = 0) -> None:
        self.max = max_frames
        self.stats = stats
        self.pending: deque[Item] = deque()
        self.unacked: deque[Item] = deque()
        self.retained: deque[Item] = deque(maxlen=retain)
        self.frames = 0  # frames (not control messages) in `pending` and `unacked`
        self.owed = 0  # kept frames resent to a new owner: room beyond `max` until acked
        self.scheduled = 0  # replay frames on their way to the loop (see `sink`)
        self.room = threading.Condition()
        self.errors: dict[int, FrameErrors] = {}  # per channel index: frames not encodable
        self.closing = False
        self.on_add: Callable[[], None] = lambda: None

    def size(self) -> int:
        """Frames that count against `max`: control messages (a channel's `end`) never take a
        frame's room, or the frame a replay had waited room for was dropped for them."""
        return self.frames - self.owed

    def add(self, item: Item) -> None:
        """Loop side: queue a frame or control message, dropping the oldest frame if full
        (never a control message: an `end` must not be lost)."""
        if isinstance(item[2], bytes):
            item = (item[0], int.from_bytes(item[2][6:10], "little"), item[2])
        self.pending.append(item)
        self.frames += item[1] >= 0
        # only a new frame makes room for itself: a control message may go past the bound
        while item[1] >= 0 and self.size() > self.max and self._drop_oldest_frame():
            self.stats["dropped"] += 1
        self.on_add()

    def _drop_oldest_frame(self) -> bool:
        for i, queued in enumerate(self.unacked):  # frames, and the `end` that follows them
            if queued[1] >= 0:
                del self.unacked[i]
                self.frames -= 1
                return True
        for i, queued in enumerate(self.pending):
            if queued[1] >= 0:
                del self.pending[i]
                self.frames -= 1
                return True
        return False

    def _lost(self, idx: int, exc: BaseException) -> None:
        """Loop side: a frame of channel `idx` could not be encoded: count it, and tell the
        server (first at once, then at most once a second) so the session logs it."""
        self.stats["frame_errors"] += 1
        errors = self.errors.setdefault(idx, FrameErrors("sent"))
        report = errors.add(exc)
        if report is not None:
            log.warning("channel %d: %s", idx, report)
            msg = {"op": "frame_error", "channel": idx, "error": report}
            self.add((idx, -4, json.dumps(msg)))

    def _ended(self, idx: int, error: BaseException | None) -> None:
        errors = self.errors.get(idx)
        reason = str(error) if error else (errors.summary() if errors else None)
        self.add((idx, END, json.dumps({"op": "end", "channel": idx, "error": reason})))

    def _add_waited(self, item: Item) -> None:
        with self.room:
            self.scheduled -= 1
        self.add(item)

    def sent_first(self, item: Item) -> None:
        """Loop side: `item`, the head of `pending`, went out on the socket. A frame dropped
        for room while it was being sent went all the same: it is not counted as dropped."""
        if self.pending and self.pending[0] is item:
            self.pending.popleft()
        elif item[1] >= 0:
            self.frames += 1
            self.stats["dropped"] -= 1
        self.sent(item)

    def sent(self, item: Item) -> None:
        if item[1] >= 0:
            self.unacked.append(item)
            self.stats["sent"] += 1
        elif item[1] == END:  # in order with the frames: a lost `end` is said again
            self.unacked.append(item)

    def ack(self, seqs: dict[str, int]) -> None:
        acked = {int(k): v for k, v in seqs.items()}
        while self.unacked:
            idx, seq, data = self.unacked[0]
            if seq == END:  # every frame before it is acknowledged: keep it with them
                self.retained.append(self.unacked.popleft())
                continue
            if seq > acked.get(idx, -1):
                break
            item = self.unacked.popleft()
            # `owed` first: a replay thread reads size() (frames - owed) as these change, and
            # must never see room that is not there (it would add a frame, and one would drop)
            self.owed = max(0, self.owed - 1)
            self.frames -= 1
            self.stats["acked"] += 1
            if data[3] == framing.AUDIO:
                self.retained.append(item)
        with self.room:
            self.room.notify_all()

    def rewind(self, held: dict[str, int], takeover: bool = False) -> int:
        """After a reconnect: `held` is the last frame seq per channel the server has. Resend
        what it lacks, in order — and, to a replica that took the session over (`takeover`),
        the kept frames and channel ends it never saw; returns how many kept items go again."""
        self.ack(held)
        again: list[Item] = []
        if takeover:
            have = {int(k): v for k, v in held.items()}
            again = [it for it in self.retained if it[1] == END or it[1] > have.get(it[0], -1)]
            self.retained.clear()
            kept = sum(1 for it in again if it[1] >= 0)
            with self.room:  # a replay thread reading size() between the two sees no room
                self.frames += kept
                self.owed += kept  # never dropped for new frames
        self.pending.extendleft(reversed([*again, *self.unacked]))
        self.unacked.clear()
        return len(again)

    def close(self) -> None:
        self.closing = True
        with self.room:
            self.room.notify_all()

    def sink(self, loop: asyncio.AbstractEventLoop, idx: int) -> FrameSink:
        """A FrameSink for channel `idx`: encodes in the source's thread, hops onto `loop`."""
        seq = iter(range(2**32))

        def put(frame: Any, wait: bool = False) -> None:
            if wait:
                with self.room:  # frames handed to the loop but not added yet count too
                    while self.size() + self.scheduled >= self.max and not self.closing:
                        self.room.wait(0.5)
                    self.scheduled += 1
            try:
                data = framing.encode(idx, next(seq), frame)
            except Exception as exc:  # a frame the wire cannot carry: counted and reported
                if wait:
                    with self.room:
                        self.scheduled -= 1
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._lost, idx, exc)
                return
            try:
                loop.call_soon_threadsafe(self._add_waited if wait else self.add, (idx, -1, data))
            except RuntimeError:  # the loop is closed: the client is shutting down
                if wait:
                    with self.room:
                        self.scheduled -= 1

        def end(error: BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # after any _lost of this thread's frames
                loop.call_soon_threadsafe(self._ended, idx, error)

        return FrameSink(put, end)
