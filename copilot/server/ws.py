"""Events out: `/ws` streams a session's events live (resumable from a seq), and
`GET /v1/capture_sessions/{id}/events?since=` polls the durable log.

Both read through `iter_batches`/the event log, so a reader that reconnects with the last seq
it saw gets every later event exactly once, in order. WebSocket messages are event JSON
objects (with `type`); the server's own messages carry `op` instead (`end`, `error`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Coroutine
from typing import Any

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect

from copilot.handles import iter_batches, read_page
from copilot.server.auth import ApiError, bearer
from copilot.server.params import bool_value, limit_value, seq_value
from copilot.server.wire import status_for
from copilot.server.wsout import paced, send_events

router = APIRouter(tags=["events"])
POLICY_CLOSE = 1008  # a credential revoked or expired while the socket was open


async def authorize_reader(app, headers, session_id: str) -> None:
    """An API key, a client token scoped to the session, or the unscoped token that started
    it here; anything else is refused (a client token is no key to other sessions)."""
    caller = await app.state.auth.capture(headers, session_id)
    if not await app.state.owners.may_use(caller.claims, session_id):
        raise ApiError(
            401,
            f"this client token is not scoped to capture session {session_id} and did not start it",
        )


def _types(raw: str | None) -> list[str] | None:
    return [t for t in raw.split(",") if t] if raw else None


@router.get("/v1/capture_sessions/{session_id}/events")
async def poll_events(
    session_id: str,
    request: Request,
    since: int = 0,
    limit: int = 500,
    types: str | None = None,
) -> dict[str, Any]:
    """Events after `since` from the log; `next_since` is the cursor for the next call."""
    await authorize_reader(request.app, request.headers, session_id)
    since, limit = seq_value(since), limit_value(limit, 5000)
    rt = request.app.state.conn.runtime
    rows, page = await rt.acall_sync(read_page, rt, session_id, since, limit, _types(types))
    return {"events": [ev.model_dump(mode="json") for ev in rows], **page}


async def close_with_error(ws: WebSocket, exc: BaseException, code: int | None = None) -> None:
    """Send an `op: error` message and close (code 4000 + status unless told otherwise)."""
    if isinstance(exc, ApiError):
        status, message, name = exc.status, exc.message, exc.type
    else:
        status, message, name = status_for(exc) or 500, str(exc), type(exc).__name__
    if code is None:
        code = 4000 + status if status < 1000 else 1011
    with contextlib.suppress(Exception):
        body = {"op": "error", "status": status, "type": name, "message": message}
        await ws.send_text(json.dumps(body))
        await ws.close(code=code, reason=message[:120])


class CredentialLapsed(Exception):
    """The key or token a socket was opened with was revoked or expired (`error` says which)."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


async def watch_credential(ws: WebSocket) -> None:
    """Re-check the credential a socket was opened with every `auth_recheck_interval`
    seconds, and when a token's time runs out; raise `CredentialLapsed` once it no longer
    holds (the caller closes the socket with `POLICY_CLOSE`)."""
    app = ws.app
    credential = bearer(ws.headers)
    interval = app.state.conn.runtime.settings.auth_recheck_interval
    expires = None
    while True:
        wait = interval if expires is None else min(interval, max(0.0, expires - time.time()))
        await asyncio.sleep(wait + (0.01 if wait < interval else 0.0))
        try:
            caller = await app.state.auth.identify(credential)
        except ApiError as exc:
            raise CredentialLapsed(exc) from None
        expires = caller.claims.exp if caller.claims is not None else None


async def close_lapsed(ws: WebSocket, lapsed: CredentialLapsed) -> None:
    await close_with_error(ws, lapsed.error, code=POLICY_CLOSE)


@router.websocket("/ws")
async def events_ws(
    ws: WebSocket,
    capture_session_id: str,
    since: str = "0",
    types: str | None = None,
    until_end: str = "true",
) -> None:
    """Live events of one session; authenticate with `Authorization: Bearer` on the upgrade.
    `since` and `until_end` are checked here, so a bad value is an `op: error` message (400)
    like polling's, not a refused handshake."""
    await ws.accept()
    rt = ws.app.state.conn.runtime
    try:
        await authorize_reader(ws.app, ws.headers, capture_session_id)
        after, until = seq_value(since), bool_value(until_end, "until_end")
        await rt.acall_sync(rt.sessions.require, capture_session_id)
    except Exception as exc:
        await close_with_error(ws, exc)
        return
    since, until_end = after, until
    await run_until_gone(ws, _send(ws, rt, capture_session_id, since, types, until_end))


async def run_until_gone(ws: WebSocket, sender: Coroutine[Any, Any, None]) -> None:
    """Run `sender` until it returns, the client goes away or its credential lapses, whichever
    is first; a sender that fails closes the socket with an `op: error` message, a lapsed
    credential with one and the policy code (1008)."""
    send = asyncio.create_task(sender)
    watcher = asyncio.create_task(_watch(ws))
    auth = asyncio.create_task(watch_credential(ws))
    done, pending = await asyncio.wait({send, watcher, auth}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    for task in done:
        exc = None if task.cancelled() else task.exception()
        if isinstance(exc, CredentialLapsed):
            await close_lapsed(ws, exc)
        elif exc is not None and task is send:
            await close_with_error(ws, exc)


async def _send(ws: WebSocket, rt, sid: str, since: int, types: str | None, until_end: bool):
    last = since
    batches = iter_batches(rt, sid, since=since, types=_types(types), until_end=until_end)
    async for batch in paced(batches):
        await send_events(ws, batch)
        last = batch[-1].seq
    await ws.send_text(json.dumps({"op": "end", "last_seq": last}))
    await ws.close(code=1000)


async def _watch(ws: WebSocket) -> None:
    """Return when the client goes away (it sends nothing we need)."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
