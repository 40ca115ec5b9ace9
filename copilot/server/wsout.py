"""Events out on a WebSocket with as little work per message as the server allows.

Fan-out to many sockets was the server's slowest path: every subscriber serialised every
event again, and every message went through Starlette and uvicorn on its own and cost its
own `send` syscall. Here an event's JSON, and its WebSocket frame, are made once for all
subscribers (`event_json`, `event_frame`), and `send_events` writes a batch of them with one
`transport.write`. Writing frames needs uvicorn's `websockets-sansio` protocol, which
`TransportProbe` finds for each socket: a connection without extensions (no
permessage-deflate; `copilot serve` offers none unless `ws_compression` is on) is sent the
shared frames, one with an extension has its connection frame (and compress) each message.
Under any other server, or when the probe does not recognise what it finds, messages go
through `WebSocket.send_text` one by one.

`paced` makes the batches: after a write a socket waits `WRITE_INTERVAL` before the next,
so while events keep coming each write carries all that arrived meanwhile (at most 200
writes a second per socket, instead of one per event) and an event waits at most 5 ms.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.exceptions import InvalidState
from websockets.protocol import State

from copilot.events import Event

SCOPE_KEY = "copilot.ws_protocol"
WRITE_INTERVAL = 0.005
_CACHE_SIZE = 4096
_json: dict[tuple[str, int], str] = {}
_frames: dict[tuple[str, int], bytes] = {}


def _cached(cache: dict, ev: Event, make) -> Any:
    """`make(ev)`, kept per (session, seq) while recent: every subscriber of a session sends
    the same event. Events without a seq are not cached."""
    if ev.seq is None:
        return make(ev)
    key = (ev.capture_session_id, ev.seq)
    value = cache.get(key)
    if value is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()  # recent events are all a fan-out needs
        value = cache[key] = make(ev)
    return value


def event_json(ev: Event) -> str:
    """The event's JSON text, as every reader gets it."""
    return _cached(_json, ev, Event.model_dump_json)


def _text_frame(ev: Event) -> bytes:
    """A final, unmasked text frame without extensions (RFC 6455 section 5.2)."""
    payload = event_json(ev).encode()
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + payload


def event_frame(ev: Event) -> bytes:
    """The event as a server-to-client WebSocket frame (for connections without extensions)."""
    return _cached(_frames, ev, _text_frame)


def _sansio_protocol(send: Any) -> Any:
    """uvicorn's websockets-sansio protocol behind an ASGI `send`, or None."""
    proto = getattr(send, "__self__", None)
    conn = getattr(proto, "conn", None)
    needed = ("transport", "writable", "disconnected", "close_sent", "handshake_complete")
    if conn is None or not all(hasattr(proto, a) for a in needed):
        return None
    wanted = ("send_text", "data_to_send", "extensions", "expect_continuation_frame", "state")
    if not all(hasattr(conn, a) for a in wanted):
        return None
    return proto


class TransportProbe:
    """ASGI middleware (outermost): notes the WebSocket protocol object of each socket in its
    scope, for `send_events`."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            proto = _sansio_protocol(send)
            if proto is not None:
                scope[SCOPE_KEY] = proto
        await self.app(scope, receive, send)


async def send_events(ws: WebSocket, events: Sequence[Event]) -> None:
    """Send each event as one WebSocket text message, in order; as one write when possible."""
    proto = ws.scope.get(SCOPE_KEY)
    if proto is None or not proto.handshake_complete or proto.close_sent:
        for ev in events:
            await ws.send_text(event_json(ev))
        return
    await proto.writable.wait()  # the transport's flow control, as uvicorn's own send does
    conn = proto.conn
    if proto.disconnected or proto.close_sent or conn.state is not State.OPEN:
        raise WebSocketDisconnect(1006)
    if conn.extensions or conn.expect_continuation_frame:
        try:
            for ev in events:
                conn.send_text(event_json(ev).encode())
        except InvalidState:
            raise WebSocketDisconnect(1006) from None
        data = b"".join(conn.data_to_send())
    else:
        # anything the connection queued itself (a pong) goes first
        data = b"".join([*conn.data_to_send(), *[event_frame(ev) for ev in events]])
    proto.transport.write(data)


async def paced(batches: AsyncIterator[list[Event]]) -> AsyncIterator[list[Event]]:
    """`batches`, asked for no sooner than `WRITE_INTERVAL` after the previous one was
    handed out (and sent): the cursor then returns everything queued in between."""
    async for batch in batches:
        yield batch
        await asyncio.sleep(WRITE_INTERVAL)
