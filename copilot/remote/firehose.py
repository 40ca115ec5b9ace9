"""Client of `WS /v1/events/ws`: every session's events, resumed after a dropped socket.

`cursor` (a `{session_id: seq}` map) is the resume point and is updated in place: filled
with the server's snapshot on the first subscription ("from now"), then with each event's
seq. After a network error the generator reconnects with it, so the caller sees every event
once, in seq order per session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterable

import websockets

from copilot.remote.events import parse_event
from copilot.remote.http import ws_url
from copilot.server.wire import error_class


def transient(status: int, message: str) -> bool:
    """A server-side failure that a reconnect may cure, like a dropped link: a 5xx, or a
    runtime that is closing (a server restart). Anything else (auth, a bad request) is final."""
    return status >= 500 or "runtime is closed" in message


async def follow_all(
    base_url: str,
    credential: str,
    cursor: dict[str, int],
    *,
    types: Iterable[str] | None = None,
    on_subscribed: Callable[[], None] | None = None,
    retry_for: float = 60.0,
    resume: bool = False,
) -> AsyncIterator:
    """Yield events of all sessions. A failure before the first subscription raises; later
    drops (and transient server errors, see `transient`) are retried until the link has been
    down for `retry_for` seconds. `resume`: `cursor` is already a resume point (a follower
    restarted after a failure), so even the first subscription continues from it."""
    url = ws_url(base_url, "/v1/events/ws")
    headers = {"authorization": f"Bearer {credential}"}
    wanted = list(types) if types is not None else None
    subscribed = False
    loop = asyncio.get_running_loop()
    down_since: float | None = None
    delay = 0.05
    while True:
        error: BaseException | None = None  # why the link went down (None: the server closed it)
        final = False  # an `op: error` not to retry: raised as is
        try:
            async with websockets.connect(
                url, additional_headers=headers, max_size=64 * 1024 * 1024, close_timeout=1
            ) as sock:
                since = dict(cursor) if subscribed or resume else None
                with contextlib.suppress(websockets.ConnectionClosed):
                    # a server that refuses us (a bad key) may close before this is sent; the
                    # `op: error` it sent first is still read below
                    await sock.send(
                        json.dumps({"op": "subscribe", "since": since, "types": wanted})
                    )
                async for raw in sock:
                    msg = json.loads(raw)
                    if "op" in msg:
                        if msg["op"] == "error":
                            status, message = msg["status"], msg["message"]
                            error = error_class(msg.get("type", ""), status)(message)
                            final = not (subscribed and transient(status, message))
                            break
                        if msg["op"] == "subscribed":
                            if not subscribed:
                                cursor.update(msg.get("snapshot") or {})
                                subscribed = True
                            down_since = None  # the link is up (the delay drops at an event:
                            # a server that fails right after subscribing is not hammered)
                            if on_subscribed is not None:
                                on_subscribed()
                        continue
                    ev = parse_event(msg)
                    sid = ev.capture_session_id
                    if ev.seq <= cursor.get(sid, 0):
                        continue  # belt and braces: never hand on an event twice
                    cursor[sid] = ev.seq
                    delay = 0.05
                    yield ev
            if error is None and not subscribed:
                raise ConnectionError(f"{url} closed before the subscription was confirmed")
        except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as exc:
            if not final:  # (raised outside: PermissionDenied is an OSError too)
                if not subscribed:
                    raise  # a wrong URL or a server that is down: say so now, do not retry
                error = exc
        if final:
            raise error
        now = loop.time()
        down_since = now if down_since is None else down_since
        if now - down_since > retry_for:
            raise ConnectionError(f"lost {url} for over {retry_for:g} s") from error
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)
