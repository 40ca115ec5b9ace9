"""The capture client's bounded send buffer: frames wait here until the server acks them.

`pending` frames are not sent yet; `unacked` ones were sent on a connection that may have
dropped. After a reconnect, `rewind` puts the unacked ones back in front. When the buffer is
full the oldest frame is dropped and counted; a replay (`put(frame, wait=True)`) waits for
room instead, so nothing of a file is lost. A frame that cannot be encoded is counted
(`stats["frame_errors"]`), reported to the server as a `frame_error` message, and named in its
channel's `end`.
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


class SendBuffer:
    def __init__(self, max_frames: int, stats: dict[str, int]) -> None:
        self.max = max_frames
        self.stats = stats
        self.pending: deque[Item] = deque()
        self.unacked: deque[Item] = deque()
        self.room = threading.Condition()
        self.errors: dict[int, FrameErrors] = {}  # per channel index: frames not encodable
        self.closing = False
        self.on_add: Callable[[], None] = lambda: None

    def size(self) -> int:
        return len(self.pending) + len(self.unacked)

    def add(self, item: Item) -> None:
        """Loop side: queue a frame or control message, dropping the oldest frame if full
        (never a control message: an `end` must not be lost)."""
        if isinstance(item[2], bytes):
            item = (item[0], int.from_bytes(item[2][6:10], "little"), item[2])
        self.pending.append(item)
        while self.size() > self.max and self._drop_oldest_frame():
            self.stats["dropped"] += 1
        self.on_add()

    def _drop_oldest_frame(self) -> bool:
        if self.unacked:  # only frames are ever unacked
            self.unacked.popleft()
            return True
        for i, queued in enumerate(self.pending):
            if queued[1] >= 0:
                del self.pending[i]
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
        self.add((idx, -2, json.dumps({"op": "end", "channel": idx, "error": reason})))

    def sent(self, item: Item) -> None:
        if item[1] >= 0:
            self.unacked.append(item)
            self.stats["sent"] += 1

    def ack(self, seqs: dict[str, int]) -> None:
        acked = {int(k): v for k, v in seqs.items()}
        while self.unacked and self.unacked[0][1] <= acked.get(self.unacked[0][0], -1):
            self.unacked.popleft()
            self.stats["acked"] += 1
        with self.room:
            self.room.notify_all()

    def rewind(self) -> None:
        """After a reconnect: resend what the server did not acknowledge, in order."""
        self.pending.extendleft(reversed(self.unacked))
        self.unacked.clear()

    def close(self) -> None:
        self.closing = True
        with self.room:
            self.room.notify_all()

    def sink(self, loop: asyncio.AbstractEventLoop, idx: int) -> FrameSink:
        """A FrameSink for channel `idx`: encodes in the source's thread, hops onto `loop`."""
        seq = iter(range(2**32))

        def put(frame: Any, wait: bool = False) -> None:
            if wait:
                with self.room:
                    while self.size() >= self.max and not self.closing:
                        self.room.wait(0.5)
            try:
                data = framing.encode(idx, next(seq), frame)
            except Exception as exc:  # a frame the wire cannot carry: counted and reported
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._lost, idx, exc)
                return
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.add, (idx, -1, data))

        def end(error: BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # after any _lost of this thread's frames
                loop.call_soon_threadsafe(self._ended, idx, error)

        return FrameSink(put, end)
