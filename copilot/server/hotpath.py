"""`POST /v1/capture_sessions/{id}/emit` and `GET /healthz` without FastAPI's per-request
machinery.

Emitting events is the one route a backend calls thousands of times a second, and FastAPI's
routing, dependency solving and middleware stack cost more than validating, persisting and
fanning out the event itself; `/healthz` is what a load balancer asks while the server is
busiest. `CopilotApi` offers every HTTP request to `HotPaths` first, which answers a
well-formed emit (a JSON object body, sent as `application/json`) itself: the same body
limit (`BodyLimit`), the same credential check, the same `emit_one` on the runtime loop, the
same error shape and status. Anything else — no or another content type, a body that does
not parse or is no object — goes to FastAPI with the body read so far, so every error is
the one FastAPI gives. Both routes stay in the OpenAPI schema; this is only the faster way
to the same answers.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from copilot import __version__
from copilot.errors import CopilotError
from copilot.events import Event
from copilot.server.auth import ApiError
from copilot.server.limits import BodyLimit
from copilot.server.wire import status_for
from copilot.server.wsout import event_json

log = logging.getLogger("copilot.server")
EMIT_PATH = re.compile(r"^/v1/capture_sessions/([^/]+)/emit$")
HEALTH = json.dumps({"ok": True, "version": __version__}, separators=(",", ":")).encode()


async def emit_one(rt, session_id: str, event: dict[str, Any]) -> Event:
    """Validate, persist and deliver one event of a session (on the runtime loop), in one
    transaction with the other emits of this loop turn."""
    await rt.sessions.check_exists(session_id)
    return await rt.publish_grouped(rt.draft(session_id, event))


def _is_json(headers: Headers) -> bool:
    value = headers.get("content-type")
    return value is not None and value.split(";", 1)[0].strip().lower() == "application/json"


async def healthz() -> dict[str, Any]:
    return {"ok": True, "version": __version__}


class CopilotApi(FastAPI):
    """FastAPI, with HTTP requests offered to `HotPaths` before its own middleware stack."""

    hot: HotPaths | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.hot is not None and scope["type"] == "http":
            await self.hot(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def answer_hot_paths(self, max_body_bytes: int) -> None:
        async def everything_else(scope, receive, send) -> None:
            await FastAPI.__call__(self, scope, receive, send)

        self.hot = HotPaths(everything_else, self, max_body_bytes)


class HotPaths:
    """The two routes, in front of `app` (the rest); bodies limited as `BodyLimit` does."""

    def __init__(self, app, fastapi_app, max_body_bytes: int) -> None:
        self.app = app
        self.state = fastapi_app.state
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["path"] == "/healthz" and scope["method"] == "GET":
            await _answer(send, 200, HEALTH)
            return
        match = EMIT_PATH.match(scope["path"]) if scope["method"] == "POST" else None
        headers = Headers(scope=scope) if match is not None else None
        if headers is None or not _is_json(headers):
            await self.app(scope, receive, send)
            return
        emit = functools.partial(self._emit_request, headers, match.group(1))
        await BodyLimit(emit, self.max_body_bytes)(scope, receive, send)

    async def _emit_request(self, headers: Headers, session_id: str, scope, receive, send) -> None:
        try:
            body = await _read_body(receive)
        except HTTPException as exc:  # over the body limit
            await _answer(send, exc.status_code, _error("ValueError", str(exc.detail)))
            return
        event = _parse(body)
        if event is None:  # let FastAPI say what is wrong with it
            await self.app(scope, _replay(body, receive), send)
            return
        status, payload = await self._emit(headers, session_id, event)
        await _answer(send, status, payload)

    async def _emit(self, headers: Headers, session_id: str, event: dict) -> tuple[int, bytes]:
        try:
            await self.state.auth.backend(headers)
            rt = self.state.conn.runtime
            ev = await rt.acall(emit_one, rt, session_id, event)
        except ApiError as exc:
            return exc.status, _error(exc.type, exc.message)
        except (CopilotError, ValueError, TypeError) as exc:
            status = status_for(exc) or 500
            name = type(exc).__name__
            return status, _error(name, str(exc) if status < 500 else f"{name}: {exc}")
        except Exception as exc:  # in front of FastAPI's stack: no ServerErrorMiddleware here
            log.exception("emit into %s failed", session_id)
            name = type(exc).__name__
            return 500, _error(name, f"{name}: {exc}")
        return 201, event_json(ev).encode()


async def _read_body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _parse(body: bytes) -> dict | None:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and bad encodings are ValueErrors
        return None
    return value if isinstance(value, dict) else None


def _replay(body: bytes, receive):
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _error(type_: str, message: str) -> bytes:
    body = {"error": {"type": type_, "message": message}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


async def _answer(send, status: int, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
