"""Rows for capture sessions and their RTStreams (the event log holds their history)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field

from copilot.events import SessionStatus


class SessionRecord(BaseModel):
    id: str
    status: SessionStatus = "created"
    end_user_id: str | None = None
    callback_url: str | None = None
    webhook_events: list[str] | None = None  # what its webhooks carry; None: the setting's
    metadata: dict[str, Any] = Field(default_factory=dict)
    channels: list[dict[str, Any]] = Field(default_factory=list)
    primary_video_channel_id: str | None = None
    reason: str | None = None
    owner_pid: int | None = None
    created_at: float = Field(default_factory=time.time)
    started_at: float | None = None
    updated_at: float = Field(default_factory=time.time)


class RTStreamRecord(BaseModel):
    id: str
    capture_session_id: str
    channel_id: str
    category: str
    name: str
    created_at: float = Field(default_factory=time.time)
