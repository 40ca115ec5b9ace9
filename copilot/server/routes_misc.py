"""Backend routes: client tokens, global search, stats, webhook secret and attempts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from copilot.server.auth import require_backend
from copilot.server.params import limit_value
from copilot.server.wire import jsonable

router = APIRouter(prefix="/v1", dependencies=[Depends(require_backend)])


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expires_in: float = Field(600, gt=0, le=7 * 24 * 3600)
    capture_session_id: str | None = None


class RevokeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=4096)


class SearchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=4096)
    options: dict[str, Any] = Field(default_factory=dict)


@router.post("/tokens", status_code=201, tags=["tokens"])
def create_token(body: TokenBody, request: Request) -> dict[str, Any]:
    conn = request.app.state.conn
    token = conn.generate_client_token(body.expires_in, body.capture_session_id)
    return {"token": token, "expires_in": body.expires_in}


@router.post("/tokens/revoke", status_code=204, tags=["tokens"])
def revoke_token(body: RevokeBody, request: Request) -> Response:
    request.app.state.conn.revoke_client_token(body.token)
    return Response(status_code=204)


@router.post("/search", tags=["search"])
def search(body: SearchBody, request: Request) -> dict[str, Any]:
    return {"hits": jsonable(request.app.state.conn.search(body.query, **body.options))}


@router.get("/stats", tags=["stats"])
def stats(request: Request) -> dict[str, Any]:
    return jsonable(request.app.state.conn.stats())


@router.get("/webhooks/secret", tags=["webhooks"])
def webhook_secret(request: Request) -> dict[str, Any]:
    hooks = request.app.state.webhooks
    return {"secret": hooks.secret if hooks else None}


@router.get("/webhooks/attempts", tags=["webhooks"])
def webhook_attempts(request: Request, limit: int = 100) -> dict[str, Any]:
    limit = limit_value(limit, 1000)
    hooks = request.app.state.webhooks
    return {"items": hooks.list_attempts(limit) if hooks else []}


class EventTypeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(min_length=1, max_length=100)
    json_schema: dict[str, Any] = Field(default_factory=dict)  # informational, kept for docs


@router.post("/event_types", status_code=201, tags=["events"])
def register_event_type(body: EventTypeBody, request: Request) -> dict[str, Any]:
    """Let a remote agent emit its own event type (it validates with its model first)."""
    from copilot.events import open_event_model

    types = request.app.state.conn.runtime.types
    if types.model_for(body.type) is None:
        types.register(open_event_model(body.type))
    return {"type": body.type, "registered": sorted(types.names())}
