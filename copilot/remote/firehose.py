"""Client of `WS /v1/events/ws`: every session's events, resumed after a dropped socket.

`cursor` (a `{session_id: seq}` map) is the resume point and is updated in place: filled
with the server's snapshot on the first subscription ("from now"), then with each event's
seq. After a network error the generator reconnects with it, so the caller sees every event
once, in seq order per session.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable

import websockets

from copilot.remote.events import parse_event
from copilot.remote.http import ws_url
from copilot.server.wire import error_class


async def follow_all(
    base_url: str,
    credential: str,
    cursor: dict[str, int],
    *,
    types: Iterable[str] | None = None,
    on_subscribed: Callable[[], None] | None = None,
    retry_for: float = 60.0,
) -> AsyncIterator:
    """Yield events of all sessions. A failure before the first subscription raises; later
    drops are retried until the link has been down for `retry_for` seconds."""
    url = ws_url(base_url, "/v1/events/ws")
    headers = {"authorization": f"Bearer {credential}"}
    wanted = list(types) if types is not None else None
    subscribed = False
    loop = asyncio.get_running_loop()
    down_since: float | None = None
    delay = 0.05
    while True:
        try:
            async with websockets.connect(
                url, additional_headers=headers, max_size=64 * 1024 * 1024, close_timeout=1
            ) as sock:
                since = dict(cursor) if subscribed else None
                await sock.send(json.dumps({"op": "subscribe", "since": since, "types": wanted}))
                async for raw in sock:
                    msg = json.loads(raw)
                    if "op" in msg:
                        if msg["op"] == "error":
                            raise error_class(msg.get("type", ""), msg["status"])(msg["message"])
                        if msg["op"] == "subscribed":
                            if not subscribed:
                                cursor.update(msg.get("snapshot") or {})
                                subscribed = True
                            down_since, delay = None, 0.05
                            if on_subscribed is not None:
                                on_subscribed()
                        continue
                    ev = parse_event(msg)
                    sid = ev.capture_session_id
                    if ev.seq <= cursor.get(sid, 0):
                        continue  # belt and braces: never hand on an event twice
                    cursor[sid] = ev.seq
                    yield ev
            if not subscribed:
                raise ConnectionError(f"{url} closed before the subscription was confirmed")
            error: BaseException | None = None  # closed by the server (e.g. shutting down)
        except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as exc:
            if not subscribed:
                raise  # a wrong URL or a server that is down: say so now, do not retry
            error = exc
        now = loop.time()
        down_since = now if down_since is None else down_since
        if now - down_since > retry_for:
            raise ConnectionError(f"lost {url} for over {retry_for:g} s") from error
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)
