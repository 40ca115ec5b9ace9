"""The capture client's bounded send buffer: frames wait here until the server acks them.

`pending` frames are not sent yet; `unacked` ones were sent on a connection that may have
dropped. After a reconnect, `rewind` puts the unacked ones back in front. When the buffer is
full the oldest frame is dropped and counted; a replay (`put(frame, wait=True)`) waits for
room instead, so nothing of a file is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from copilot.capture.sources import FrameSink
from copilot.server import framing

Item = tuple[int, int, bytes | str]  # (channel index, frame seq or <0 for control, data)


class SendBuffer:
    def __init__(self, max_frames: int, stats: dict[str, int]) -> None:
        self.max = max_frames
        self.stats = stats
        self.pending: deque[Item] = deque()
        self.unacked: deque[Item] = deque()
        self.room = threading.Condition()
        self.closing = False
        self.on_add: Callable[[], None] = lambda: None

    def size(self) -> int:
        return len(self.pending) + len(self.unacked)

    def add(self, item: Item) -> None:
        """Loop side: queue a frame or control message, dropping the oldest frame if full."""
        if isinstance(item[2], bytes):
            item = (item[0], int.from_bytes(item[2][6:10], "little"), item[2])
        self.pending.append(item)
        while self.size() > self.max:
            (self.unacked or self.pending).popleft()
            self.stats["dropped"] += 1
        self.on_add()

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
            data = framing.encode(idx, next(seq), frame)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.add, (idx, -1, data))

        def end(error: BaseException | None) -> None:
            msg = json.dumps({"op": "end", "channel": idx, "error": str(error) if error else None})
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.add, (idx, -2, msg))

        return FrameSink(put, end)
