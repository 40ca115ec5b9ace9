"""Backend routes for capture sessions: create, get, list, export, emit, search."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from copilot.errors import InvalidEvent
from copilot.server.auth import require_backend
from copilot.server.exports import export_failed, export_path
from copilot.server.hotpath import emit_one
from copilot.server.wire import jsonable, session_json

router = APIRouter(prefix="/v1/capture_sessions", tags=["capture sessions"])


class CreateSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    end_user_id: str | None = Field(None, max_length=256)
    callback_url: str | None = Field(None, max_length=2048, pattern=r"^https?://")
    metadata: dict[str, Any] | None = None
    webhook_events: list[str] | None = Field(None, max_length=64)


class ExportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    out_dir: str | None = None


class SearchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=4096)
    options: dict[str, Any] = Field(default_factory=dict)


def _json(conn, cap) -> dict[str, Any]:
    rt = conn.runtime
    record = rt.session_record(cap.id)
    return session_json(record, rt.call(rt.sessions.rtstreams, cap.id))


@router.post("", status_code=201, dependencies=[Depends(require_backend)])
def create_session(body: CreateSession, request: Request) -> dict[str, Any]:
    conn = request.app.state.conn
    cap = conn.create_capture_session(
        body.end_user_id, body.callback_url, body.metadata, body.webhook_events
    )
    return _json(conn, cap)


@router.get("", dependencies=[Depends(require_backend)])
def list_sessions(
    request: Request, status: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    conn = request.app.state.conn
    if limit is not None and not 1 <= limit <= 10000:
        raise ValueError("limit must be between 1 and 10000")
    return {"items": [_json(conn, c) for c in conn.list_capture_sessions(status, limit)]}


@router.get("/{session_id}", dependencies=[Depends(require_backend)])
def get_session(session_id: str, request: Request) -> dict[str, Any]:
    conn = request.app.state.conn
    return _json(conn, conn.get_capture_session(session_id))


@router.delete("/{session_id}", status_code=204, dependencies=[Depends(require_backend)])
def delete_session(session_id: str, request: Request) -> Response:
    """Delete a session that is not live: its log, recordings and search vectors."""
    request.app.state.conn.delete_capture_session(session_id)
    return Response(status_code=204)


@router.post("/{session_id}/export", dependencies=[Depends(require_backend)])
def export_session(session_id: str, body: ExportBody, request: Request) -> dict[str, Any]:
    """Write the session to a folder under the home or the export root (see exports.py)."""
    cap = request.app.state.conn.get_capture_session(session_id)
    out = export_path(request.app.state.conn.runtime.settings, session_id, body.out_dir)
    try:
        return {"path": str(cap.export(out))}
    except OSError as exc:
        raise export_failed(out, exc) from None


@router.post("/{session_id}/emit", status_code=201, dependencies=[Depends(require_backend)])
async def emit_event(session_id: str, event: dict[str, Any], request: Request) -> dict[str, Any]:
    """Validate, persist and deliver one event. Well-formed requests are answered by
    `copilot.server.hotpath` before they get here; this route is the same thing for the
    rest (and the OpenAPI schema)."""
    rt = request.app.state.conn.runtime
    return (await rt.acall(emit_one, rt, session_id, event)).model_dump(mode="json")


@router.post(
    "/{session_id}/plugin_errors", status_code=201, dependencies=[Depends(require_backend)]
)
def report_plugin_error(session_id: str, event: dict[str, Any], request: Request) -> dict[str, Any]:
    """A plugin hosted outside the server (a remote `conn.register_plugin`) failed: logged as
    a `plugin_error` (a type `emit` refuses, like every type only the runtime writes)."""
    if event.get("type", "plugin_error") != "plugin_error":
        raise InvalidEvent("this route takes plugin_error events only; emit the rest")
    rt = request.app.state.conn.runtime
    request.app.state.conn.get_capture_session(session_id)
    draft = rt.draft(session_id, {**event, "type": "plugin_error"}, allow={"plugin_error"})
    return rt.call(rt.publish, draft).model_dump(mode="json")


@router.post("/{session_id}/search", dependencies=[Depends(require_backend)])
def search_session(session_id: str, body: SearchBody, request: Request) -> dict[str, Any]:
    cap = request.app.state.conn.get_capture_session(session_id)
    return {"hits": jsonable(cap.search(body.query, **body.options))}
