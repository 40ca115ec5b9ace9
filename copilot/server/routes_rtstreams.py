"""Backend routes for RTStream actions: the same `RTStream` methods as the embedded API."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from copilot.errors import NotFound
from copilot.handles import RTStream
from copilot.server.auth import require_backend
from copilot.server.params import finite_value, seq_value
from copilot.server.wire import jsonable

router = APIRouter(
    prefix="/v1/rtstreams", tags=["rtstreams"], dependencies=[Depends(require_backend)]
)
Action = Literal["start_transcript", "stop_transcript", "index_audio", "index_visuals"]


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    options: dict[str, Any] = Field(default_factory=dict)


class SearchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=4096)
    options: dict[str, Any] = Field(default_factory=dict)


def _stream(request: Request, rtstream_id: str) -> RTStream:
    rt = request.app.state.conn.runtime
    record = rt.call(rt.store.sessions.rtstream, rtstream_id)
    if record is None:
        raise NotFound(f"no rtstream {rtstream_id!r}")
    return RTStream(rt, record)


@router.get("/{rtstream_id}")
def get_rtstream(rtstream_id: str, request: Request) -> dict[str, Any]:
    s = _stream(request, rtstream_id)
    return {
        "id": s.id,
        "capture_session_id": s.capture_session_id,
        "channel_id": s.channel_id,
        "category": s.category,
        "name": s.name,
    }


@router.post("/{rtstream_id}/search")  # before /{action}, which would shadow it
def rtstream_search(rtstream_id: str, body: SearchBody, request: Request) -> dict[str, Any]:
    return {"hits": jsonable(_stream(request, rtstream_id).search(body.query, **body.options))}


@router.post("/{rtstream_id}/{action}")
def rtstream_action(
    rtstream_id: str, action: Action, body: ActionBody, request: Request
) -> dict[str, Any]:
    stream = _stream(request, rtstream_id)
    result = getattr(stream, action)(**body.options)
    if isinstance(result, bool):
        return {"rtstream_id": rtstream_id, "action": action, "result": result}
    # the run that is going (the same one again for a repeated start): its id names it
    return {"rtstream_id": rtstream_id, "action": action, "result": True, "id": run_id(result)}


def run_id(run: Any) -> str | None:
    value = getattr(run, "id", None)
    return value if isinstance(value, str) else None


@router.get("/{rtstream_id}/transcript")
def get_transcript(
    rtstream_id: str,
    request: Request,
    page: int = 1,
    page_size: int = 100,
    start: float | None = None,
    end: float | None = None,
    since: int | None = None,
) -> dict[str, Any]:
    if page_size > 1000:
        raise ValueError("page_size is at most 1000")
    since = None if since is None else seq_value(since)
    start, end = finite_value(start, "start"), finite_value(end, "end")
    stream = _stream(request, rtstream_id)
    out = stream.get_transcript(page=page, page_size=page_size, start=start, end=end, since=since)
    return out.model_dump(mode="json")
