"""A capture source whose channels are fed by the ingest WebSocket.

The server starts a remote session through the ordinary `sessions.start`, with channel
requests marked `{"remote": <session id>}`; this source claims exactly those requests, so the
frames a capture client streams flow through the same ChannelPipe, RTStreams and features as
a local microphone. It is registered ahead of the local sources so that `mic:default` from a
client never resolves to the server's own microphone.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from copilot.capture.sources import (
    KINDS,
    CaptureSource,
    ChannelInfo,
    ChannelRequest,
    FrameSink,
    Permission,
    SourceHandle,
)
from copilot.runtime.media import PtsGuard

NAME = "remote"
# A frame seq may run ahead of the last one by the frames a client can have dropped since:
# SEQ_JUMP, plus SEQ_RATE per second since the previous frame (sources make far fewer).
SEQ_JUMP = 1000
SEQ_RATE = 1000.0


class FrameRefused(ValueError):
    """A well-formed frame the channel will not take (its seq or pts is out of bounds)."""


class RemoteHandle(SourceHandle):
    """One open remote channel: frames arrive from the ingest connection, in seq order."""

    def __init__(self, sink: FrameSink, on_stop=lambda: None, takeover: bool = False) -> None:
        self.sink = sink
        self.pts = PtsGuard()  # the pipe checks too; here the client is told
        # taken over from a dead replica: the client resends from a seq only it knows, so the
        # first frame sets where this channel stands (the jump bound applies from then on)
        self._takeover = takeover
        self._on_stop = on_stop
        self.last_seq = -1  # highest frame seq accepted (resent frames are skipped)
        self.received = 0
        self.duplicates = 0
        self.refused = 0
        self.ended = False
        self._last_at = time.monotonic()

    def offer(self, seq: int, frame: Any) -> bool:
        """Hand a frame to the pipe, waiting for room (blocks: call it off the server loop).

        Waiting pushes back on the WebSocket, so a fast replay slows down instead of
        dropping; a live client's own bounded buffer absorbs (and counts) the rest.
        """
        if self.ended:
            return False
        if seq <= self.last_seq:
            self.duplicates += 1
            return False
        now = time.monotonic()
        allowed = SEQ_JUMP + SEQ_RATE * (now - self._last_at)
        if self._takeover and self.last_seq < 0:
            allowed = float("inf")
        if seq - self.last_seq > allowed:
            self.refused += 1
            raise FrameRefused(
                f"frame seq {seq} is {seq - self.last_seq} past the last one ({self.last_seq});"
                f" at most {allowed:.0f} frames can have been lost since: frame dropped"
            )
        problem = self.pts.check(frame)
        if problem is not None:
            self.refused += 1
            raise FrameRefused(problem)
        self.last_seq, self._last_at = seq, now
        self.received += 1
        self.sink.put(frame, wait=True)
        return True

    def end(self, error: BaseException | None = None) -> None:
        if not self.ended:
            self.ended = True
            self.sink.end(error)

    def stop(self) -> None:
        """The runtime closes the channel (session stopping): forget it."""
        self.ended = True
        self._on_stop()


class RemoteSource(CaptureSource):
    name = NAME
    kinds = KINDS

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handles: dict[tuple[str, str], RemoteHandle] = {}

    def probe(self, kind: str) -> Permission:
        return Permission(kind, False, "remote channels are opened by a capture client")

    def list_channels(self) -> list[ChannelInfo]:
        return []

    def resolve(self, request: ChannelRequest) -> ChannelInfo | None:
        if not request.options.get("remote"):
            return None
        name = str(request.options.get("name") or request.channel_id)
        details = {"realtime": request.options.get("realtime", True) is not False}
        return ChannelInfo(request.channel_id, request.kind, name, NAME, details=details)

    def open(self, channel: ChannelInfo, request: ChannelRequest, sink: FrameSink) -> RemoteHandle:
        key = (request.options["remote"], channel.id)

        def forget() -> None:
            with self._lock:
                if self._handles.get(key) is handle:
                    del self._handles[key]

        handle = RemoteHandle(sink, forget, takeover=bool(request.options.get("takeover")))
        with self._lock:
            self._handles[key] = handle
        return handle

    def handle(self, session_id: str, channel_id: str) -> RemoteHandle | None:
        with self._lock:
            return self._handles.get((session_id, channel_id))

    def forget(self, session_id: str) -> None:
        with self._lock:
            for key in [k for k in self._handles if k[0] == session_id]:
                del self._handles[key]


def install(rt) -> RemoteSource:
    """Register a RemoteSource on `rt`, ahead of the local sources (see module docstring)."""
    for src in rt.sources.sources():
        if isinstance(src, RemoteSource):
            return src
    source = RemoteSource()
    rt.sources.register(source, first=True)
    return source
