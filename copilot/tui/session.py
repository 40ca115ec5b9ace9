"""The copilot side of the TUI: plan channels, start/stop, pause, search and export.

Every method that can block runs off the UI thread (`asyncio.to_thread`, or is called from a
Textual thread worker); the capture client's async methods hop to the runtime's own loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copilot.data import sample_dir

PERMISSIONS = (("microphone", "mic"), ("system_audio", "system_audio"), ("screen", "display"))
DEMO_META = {
    "app": "copilot demo",
    "participants": ["Alex", "Priya", "Marcus"],
    "user_name": "Alex",
}


def demo_requests(speed: str) -> list[dict[str, Any]]:
    """The bundled sample meeting: both audio channels and the rendered screen track."""
    d = sample_dir()
    return [
        {"channel_id": "mic:file", "path": str(d / "mic.ogg"), "speed": speed},
        {"channel_id": "system_audio:file", "path": str(d / "system_audio.ogg"), "speed": speed},
        {"channel_id": "display:file", "path": str(d / "screens"), "speed": speed},
    ]


@dataclass
class Plan:
    """What to capture, and what could not be captured (with the reason)."""

    requests: list[dict[str, Any]]
    missing: list[str] = field(default_factory=list)
    files: bool = False


async def live_plan(client) -> Plan:
    """Default mic, system-audio loopback and primary display: whatever exists."""
    channels = await client.list_channels()
    groups = {"mic": channels.mics, "system_audio": channels.system_audio}
    groups["display"] = channels.displays
    plan = Plan(requests=[])
    for perm_kind, kind in PERMISSIONS:
        perm = await client.request_permission(perm_kind)
        chosen = groups[kind].default
        if perm.granted and chosen is not None:
            plan.requests.append({"channel_id": chosen.id})
        else:
            plan.missing.append(f"{kind}: {perm.reason or 'no device found'}")
    plan.missing.extend(channels.problems)
    return plan


class Controller:
    """One connection and (at most) one capture session driven by the TUI."""

    def __init__(self, conn_factory: Callable[[], Any], mode: str, speed: str) -> None:
        self.conn_factory = conn_factory
        self.mode = mode
        self.speed = speed
        self.conn = None
        self.cap = None
        self.client = None
        self.plan: Plan | None = None

    @property
    def session_id(self) -> str | None:
        return self.cap.id if self.cap is not None else None

    async def start(self) -> Plan:
        """Connect (once), create a session, start capture and the transcript/visual features."""
        from copilot.capture import CaptureClient

        if self.conn is None:
            self.conn = await asyncio.to_thread(self.conn_factory)
        meta = DEMO_META if self.mode == "demo" else {"app": "copilot tui"}
        self.cap = await asyncio.to_thread(self.conn.create_capture_session, metadata=meta)
        token = await asyncio.to_thread(
            self.conn.generate_client_token, capture_session_id=self.cap.id
        )
        self.client = CaptureClient(client_token=token)
        if self.mode == "demo":
            plan = Plan(demo_requests(self.speed), files=True)
        else:
            plan = await live_plan(self.client)
        self.plan = plan
        if not plan.requests:
            return plan
        await self.client.start_session(
            capture_session_id=self.cap.id,
            channels=plan.requests,
            stop_when_sources_end=plan.files,
        )
        await asyncio.to_thread(self._start_features)
        return plan

    def _start_features(self) -> None:
        from copilot.errors import IllegalTransition

        try:
            for rts in [*self.cap.get_rtstream("mic"), *self.cap.get_rtstream("system_audio")]:
                rts.start_transcript()
            for rts in self.cap.get_rtstream("display"):
                rts.index_visuals(prompt="Describe what the user is doing")
        except IllegalTransition:
            pass  # the session already ended (e.g. unreadable input): its events say why

    def events(self) -> AsyncIterator[Any]:
        return self.client.events()

    def status(self) -> str:
        return self.cap.status if self.cap is not None else "idle"

    async def stop(self) -> None:
        if self.client is not None and await asyncio.to_thread(self.status) == "active":
            await self.client.stop_session()

    async def set_paused(self, channel_id: str, paused: bool) -> None:
        await (self.client.pause if paused else self.client.resume)(channel_id)

    def stats(self) -> dict[str, Any]:
        """Per-channel stats of this session, keyed by channel id (blocking: call off the UI)."""
        if self.conn is None or self.cap is None:
            return {}
        prefix = f"{self.cap.id}/"
        channels = self.conn.stats()["channels"]
        return {k[len(prefix) :]: v for k, v in channels.items() if k.startswith(prefix)}

    def plugins(self) -> list[Any]:
        return self.conn.runtime.plugins.plugins() if self.conn is not None else []

    def search(self, query: str) -> list[Any]:
        """Blocking: call from a thread worker."""
        return self.cap.search(query, limit=8) if self.cap is not None else []

    def export(self) -> Path:
        """Blocking: the session must be stopped."""
        return self.cap.export()

    def export_clip(self, hit: Any) -> Path:
        """Blocking: write the hit's moment as WAV (+ keyframe) under $COPILOT_HOME/clips/."""
        path = self.conn.runtime.home / "clips" / f"{self.cap.id}-{hit.start:07.1f}.wav"
        clip = hit.export_clip(path)
        return clip.audio

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
