"""The FastAPI app over a started `Runtime`: backend API, events, media ingest, OpenAPI docs.

Sync routes call the same `Connection`/handle methods as the embedded mode (in the threadpool,
bridged to the runtime loop); errors map to JSON `{"error": {"type", "message"}}` with the
status from `copilot.server.wire.STATUS`. Requests over `max_body_bytes` get 413.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from copilot import __version__
from copilot.connection import Connection
from copilot.errors import CopilotError
from copilot.server import framing, remote_source
from copilot.server.auth import ApiError, Authenticator
from copilot.server.owners import Owners
from copilot.server.wire import status_for


def _error(status: int, type_: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": type_, "message": message}}, status_code=status)


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
        routes_misc,
        routes_rtstreams,
        routes_sessions,
        ws,
        ws_all,
    )

    app = FastAPI(
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
    for module in (routes_sessions, routes_rtstreams, routes_misc, ws, ws_all, ingest):
        app.include_router(module.router)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > max_body_bytes):
            return _error(413, "ValueError", f"request body over the {max_body_bytes}-byte limit")
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error(exc.status, exc.type, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return _error(422, "ValidationError", "; ".join(parts) or "invalid request")

    async def copilot_error(request: Request, exc: Exception):
        status = status_for(exc) or 500
        name = type(exc).__name__
        return _error(status, name, str(exc) if status < 500 else f"{name}: {exc}")

    for cls in (CopilotError, ValueError, TypeError):
        app.add_exception_handler(cls, copilot_error)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        return {"ok": True, "version": __version__}

    return app
