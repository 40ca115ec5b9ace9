"""Messages the TUI's workers post to the app."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class SessionStarted(Message):
    """A capture session started (or could not): which channels, what is missing."""

    def __init__(self, session_id: str | None, channels: list[str], missing: list[str]) -> None:
        super().__init__()
        self.session_id = session_id
        self.channels = channels
        self.missing = missing


class StatsUpdated(Message):
    """Fresh per-channel stats (level meters, media time, paused)."""

    def __init__(self, channels: dict[str, Any], status: str) -> None:
        super().__init__()
        self.channels = channels
        self.status = status


class JumpTo(Message):
    """Scroll the transcript to a moment (seconds from session start)."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self.start = start
