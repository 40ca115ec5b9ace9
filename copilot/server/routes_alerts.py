"""Backend routes for custom alert rules, the same calls as the embedded API:
`conn.create_event(event_prompt, label)` / `conn.list_events()`, and on an index (what
`index_audio()` / `index_visuals()` returned) `create_alert`, `list_alerts`, `enable_alert`,
`disable_alert`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from copilot.intelligence.alerts import rulebook
from copilot.server.auth import require_backend

router = APIRouter(prefix="/v1", tags=["alerts"], dependencies=[Depends(require_backend)])
INDEX_ID = Path(pattern=r"^idx-[0-9a-f]{1,64}$")
ALERT_ID = Path(pattern=r"^alr-[0-9a-f]{1,64}$")


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_prompt: str = Field(max_length=4096)
    label: str = Field(max_length=200)


class AlertBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_id: str = Field(max_length=100)
    callback_url: str | None = Field(None, max_length=2048, pattern=r"^https?://")


def _book(request: Request):
    return rulebook(request.app.state.conn.runtime)


@router.post("/alert_rules", status_code=201)
def create_event(body: RuleBody, request: Request) -> dict[str, Any]:
    return {"event_id": request.app.state.conn.create_event(body.event_prompt, body.label)}


@router.get("/alert_rules")
def list_events(request: Request) -> dict[str, Any]:
    return {"items": request.app.state.conn.list_events()}


@router.post("/indexes/{index_id}/alerts", status_code=201)
def create_alert(body: AlertBody, request: Request, index_id: str = INDEX_ID) -> dict[str, Any]:
    return {"alert_id": _book(request).create_alert(body.event_id, index_id, body.callback_url)}


@router.get("/indexes/{index_id}/alerts")
def list_alerts(request: Request, index_id: str = INDEX_ID) -> dict[str, Any]:
    return {"items": [asdict(a) for a in _book(request).list_alerts(index_id)]}


@router.post("/indexes/{index_id}/alerts/{alert_id}/{action}")
def set_alert(
    action: str, request: Request, index_id: str = INDEX_ID, alert_id: str = ALERT_ID
) -> dict[str, Any]:
    if action not in ("enable", "disable"):
        raise ValueError(f"unknown alert action {action!r}: enable or disable")
    book = _book(request)
    if all(a.alert_id != alert_id for a in book.list_alerts(index_id)):
        from copilot.errors import NotFound

        raise NotFound(f"index {index_id} has no alert {alert_id!r}")
    return asdict(book.set_enabled(alert_id, action == "enable"))
