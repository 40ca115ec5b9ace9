"""JSON shapes shared by server routes and the remote client, and error ↔ status mapping."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel

from copilot import errors
from copilot.errors import (
    CopilotError,
    IllegalTransition,
    InvalidEvent,
    NotEnabled,
    NotFound,
    PermissionDenied,
    Unavailable,
)

# most specific first
STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (NotFound, 404),
    (IllegalTransition, 409),
    (PermissionDenied, 403),
    (NotEnabled, 501),
    (Unavailable, 503),
    (InvalidEvent, 422),
    (ValueError, 400),
    (TypeError, 400),
    (CopilotError, 409),
)


def error_response(status: int, type_: str, message: str):
    """The documented error body, `{"error": {"type", "message"}}`, as a response."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": {"type": type_, "message": message}}, status_code=status)


def status_for(exc: BaseException) -> int | None:
    for cls, code in STATUS:
        if isinstance(exc, cls):
            return code
    return None


def error_class(name: str, status: int) -> type[Exception]:
    """The exception a remote client raises for an error body's `type`."""
    if name == "CaptureError":
        from copilot.runtime.sessions import CaptureError

        return CaptureError
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, CopilotError):
        return cls
    if name in ("ValueError", "ValidationError", "TypeError") or status in (400, 413, 422):
        return ValueError
    if status in (401, 403):
        return PermissionDenied
    return CopilotError


def jsonable(value: Any) -> Any:
    """JSON of a route's result: models, dataclasses and anything with `to_dict()` (search
    hits) as objects; only what has no shape at all becomes its `str`."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, type):
        return jsonable(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if callable(getattr(value, "to_dict", None)):  # e.g. a search hit (ReplayHit)
        return jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def session_json(record, rtstreams) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    data.pop("owner_pid", None)
    data["rtstreams"] = [r.model_dump(mode="json") for r in rtstreams]
    return data
