"""The FastAPI app over a started `Runtime`: backend API, events, media ingest, OpenAPI docs.

Sync routes call the same `Connection`/handle methods as the embedded mode (in the threadpool,
bridged to the runtime loop); errors map to JSON `{"error": {"type", "message"}}` with the
status from `copilot.server.wire.STATUS`. Bodies over `max_body_bytes` (counted as read) get 413.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from copilot import __version__
from copilot.connection import Connection
from copilot.errors import CopilotError
from copilot.server import framing, remote_source
from copilot.server.auth import ApiError, Authenticator
from copilot.server.hotpath import CopilotApi, healthz
from copilot.server.limits import BodyLimit
from copilot.server.owners import Owners
from copilot.server.wire import error_response, status_for
from copilot.server.wsout import TransportProbe

HTTP_TYPES = {400: "ValueError", 404: "NotFound", 405: "MethodNotAllowed", 413: "ValueError"}
BODY_UNPARSABLE = "There was an error parsing the body"  # FastAPI's words for it


def create_app(
    rt,
    *,
    webhooks=None,
    max_body_bytes: int = 1024 * 1024,
    max_frame_bytes: int = framing.MAX_FRAME_BYTES,
    ingest_grace: float = 120.0,
) -> FastAPI:
    """An app over `rt` (started). `webhooks` is a `copilot.delivery.webhooks.Webhooks`."""
    from copilot.server import (
        ingest,
        routes_alerts,
        routes_media,
        routes_misc,
        routes_rtstreams,
        routes_sessions,
        ws,
        ws_all,
    )

    app = CopilotApi(
        title="copilot backend",
        version=__version__,
        description="Capture sessions, RTStreams, client tokens, live events and media ingest.",
    )
    app.state.conn = Connection(rt, owns_runtime=False)
    app.state.auth = Authenticator(rt)
    app.state.remote_source = remote_source.install(rt)
    app.state.webhooks = webhooks
    app.state.max_frame_bytes = max_frame_bytes
    app.state.ingest_grace = ingest_grace  # seconds a vanished capture client may re-attach
    app.state.ingest_attached = {}  # session id -> open ingest connections
    app.state.ingest_tasks = set()
    app.state.owners = Owners(rt)  # which session a token started, who streams it now
    for module in (
        routes_sessions,
        routes_media,
        routes_rtstreams,
        routes_alerts,
        routes_misc,
        ws,
        ws_all,
        ingest,
    ):
        app.include_router(module.router)

    app.answer_hot_paths(max_body_bytes)  # in front of everything below
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(TransportProbe)  # outermost: sees uvicorn's own WebSocket send

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        """Starlette's and FastAPI's own errors (404, 405, a body that does not parse) in
        the documented shape too, not `{"detail": …}`."""
        message = str(exc.detail)
        if message == BODY_UNPARSABLE:
            message = "the request body is not valid JSON (or is nested too deeply)"
        name = HTTP_TYPES.get(exc.status_code, "HTTPError")
        return error_response(exc.status_code, name, message)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.type, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return error_response(422, "ValidationError", "; ".join(parts) or "invalid request")

    async def copilot_error(request: Request, exc: Exception):
        status = status_for(exc) or 500
        name = type(exc).__name__
        return error_response(status, name, str(exc) if status < 500 else f"{name}: {exc}")

    for cls in (CopilotError, ValueError, TypeError):
        app.add_exception_handler(cls, copilot_error)

    app.get("/healthz", tags=["health"])(healthz)  # answered by HotPaths; here for the schema

    return app
