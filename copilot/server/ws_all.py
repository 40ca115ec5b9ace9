"""`WS /v1/events/ws`: every session's events, live, for a backend (API key only).

A client token is scoped to one capture session, so it is refused here. The cursor is a map
of per-session seqs (there is no global seq; see `copilot.runtime.firehose`):

    client → {"op": "subscribe", "since": null | {"cap-…": seq, …}, "types": null | [..]}
    server → {"op": "subscribed", "snapshot": {"cap-…": seq, …} | null}
    server → event JSON objects (with `type`), until the client goes away

`since: null` starts from now and the server answers with the snapshot it started from; keep
it, update it with every event's `seq`, and send it back as `since` after a dropped socket to
get every later event exactly once. A session missing from `since` is read from seq 1.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, WebSocket

from copilot.handles import follow_batches
from copilot.runtime.firehose import AllSessionsCursor
from copilot.server.auth import ApiError
from copilot.server.params import MAX_SEQ, json_message
from copilot.server.ws import close_with_error, run_until_gone
from copilot.server.wsout import paced, send_events

router = APIRouter(tags=["events"])
SUBSCRIBE_TIMEOUT = 30.0


def _subscription(raw: dict[str, Any]) -> tuple[dict[str, int] | None, list[str] | None]:
    msg = json_message(raw)
    if not isinstance(msg, dict) or msg.get("op") != "subscribe":
        raise ValueError('the first message must be {"op": "subscribe", "since": …}')
    since, types = msg.get("since"), msg.get("types")
    if since is not None and not (
        isinstance(since, dict)
        and all(
            isinstance(k, str) and type(v) is int and 0 <= v <= MAX_SEQ for k, v in since.items()
        )
    ):
        raise ValueError(
            f"since must be null or an object of session id -> seq (an int from 0 to {MAX_SEQ})"
        )
    if types is not None and not (
        isinstance(types, list) and all(isinstance(t, str) for t in types)
    ):
        raise ValueError("types must be null or a list of event type names")
    return since, types


@router.websocket("/v1/events/ws")
async def all_events_ws(ws: WebSocket) -> None:
    """Every session's live events; authenticate with an API key on the upgrade."""
    await ws.accept()
    rt = ws.app.state.conn.runtime
    try:
        await ws.app.state.auth.backend(ws.headers)
        first = await asyncio.wait_for(ws.receive(), SUBSCRIBE_TIMEOUT)
        if first["type"] == "websocket.disconnect":
            return
        since, types = _subscription(first)

        def make() -> tuple[AllSessionsCursor, dict[str, int] | None]:
            cursor = AllSessionsCursor(rt.bus, rt.log, since=since, types=types)
            return cursor, (dict(cursor.last) if since is None else None)

        cursor, snapshot = await rt.acall_sync(make)
    except Exception as exc:
        await close_with_error(ws, _unavailable(rt, exc))
        return
    try:
        await ws.send_text(json.dumps({"op": "subscribed", "snapshot": snapshot}))
        await run_until_gone(ws, _send(ws, rt, cursor))
    finally:
        if not rt.closed:
            rt.loop.call_soon_threadsafe(cursor.close)


async def _send(ws: WebSocket, rt, cursor: AllSessionsCursor) -> None:
    try:
        async for batch in paced(follow_batches(rt, cursor)):
            await send_events(ws, batch)
    except Exception as exc:
        if rt.closed:
            raise _unavailable(rt, exc) from exc
        raise


def _unavailable(rt, exc: Exception) -> Exception:
    """A failure while the runtime closes is the server going away, not the client's fault:
    a 503, which a follower retries like a dropped socket (see `copilot.remote.firehose`)."""
    if rt.closed and not isinstance(exc, ApiError):
        return ApiError(503, f"the server is shutting down: {exc}", "CopilotError")
    return exc
