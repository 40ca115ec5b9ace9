"""`CaptureClient`: the desktop side. Holds only a client token, never an API key.

Without `base_url` it talks to an embedded runtime in this process (in-process transport), or,
when none runs here, to `$COPILOT_BASE_URL`; with `base_url` it is a
`copilot.remote.capture.RemoteCaptureClient` (same methods).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from typing import Any

from copilot.capture.channels import Channels
from copilot.capture.sources import ChannelInfo, ChannelRequest, Permission
from copilot.errors import CopilotError, PermissionDenied
from copilot.events import Event
from copilot.handles import iter_events
from copilot.runtime.runtime import Runtime, running_runtimes
from copilot.tokens import TokenClaims


def _find_runtime(token: str) -> tuple[Runtime, TokenClaims]:
    reasons = []
    for rt in running_runtimes():
        try:
            return rt, rt.verify_token(token)
        except PermissionDenied as exc:
            reasons.append(str(exc))
    if not reasons:
        raise PermissionDenied(
            "no embedded copilot runtime is running in this process: call copilot.connect()"
            " first, or pass base_url= (or set COPILOT_BASE_URL) to reach a `copilot serve` backend"
        )
    raise PermissionDenied(f"client token refused: {'; '.join(dict.fromkeys(reasons))}")


def _request(channel: Any) -> ChannelRequest:
    if isinstance(channel, ChannelRequest):
        return channel
    if isinstance(channel, ChannelInfo):
        return channel.request()
    if isinstance(channel, str):
        return ChannelRequest(channel)
    if isinstance(channel, dict):
        opts = dict(channel)
        cid = opts.pop("channel_id", None) or opts.pop("id", None)
        if not cid:
            raise ValueError(f"channel {channel!r} has no channel_id")
        return ChannelRequest(cid, opts)
    raise TypeError(f"cannot capture {channel!r}: give a channel id, ChannelInfo or dict")


class CaptureClient:
    def __new__(cls, client_token: str, base_url: str | None = None, **kwargs: Any):
        if base_url is None and kwargs.get("runtime") is None and not running_runtimes():
            base_url = os.environ.get("COPILOT_BASE_URL") or None  # a capture-only machine
        if base_url is not None:  # the remote transport: same methods, frames over a WebSocket
            from copilot.remote.capture import RemoteCaptureClient

            return RemoteCaptureClient(client_token, base_url, **kwargs)
        return super().__new__(cls)

    def __init__(
        self, client_token: str, base_url: str | None = None, *, runtime: Runtime | None = None
    ) -> None:
        if runtime is not None:
            self._rt, self._claims = runtime, runtime.verify_token(client_token)
        else:
            self._rt, self._claims = _find_runtime(client_token)
        if self._claims.scope != "capture":
            raise PermissionDenied(f"token scope {self._claims.scope!r} cannot capture")
        self._token = client_token
        self.capture_session_id: str | None = None

    async def request_permission(self, kind: str) -> Permission:
        """Ask whether `kind` (microphone, system_audio, screen) can be captured, and why not."""
        return await self._rt.acall_sync(self._rt.sources.probe, kind)

    async def list_channels(self) -> Channels:
        import asyncio

        channels, problems = await asyncio.to_thread(self._rt.sources.list_channels)
        return Channels.from_list(channels, problems)

    async def start_session(
        self,
        capture_session_id: str,
        channels: Iterable[Any],
        primary_video_channel_id: str | None = None,
        *,
        stop_when_sources_end: bool = False,
    ) -> None:
        claims = await self._rt.acall_sync(self._rt.verify_token, self._token)
        if claims.session_id not in (None, capture_session_id):
            raise PermissionDenied(
                f"this client token is scoped to capture session {claims.session_id}"
            )
        if self.capture_session_id is not None:
            raise CopilotError(f"this client is already running {self.capture_session_id}")
        requests = [_request(c) for c in channels]
        sessions = self._rt.sessions
        await self._rt.acall(
            sessions.start,
            capture_session_id,
            requests,
            primary_video_channel_id,
            stop_when_sources_end,
        )
        self.capture_session_id = capture_session_id

    def _sid(self) -> str:
        if self.capture_session_id is None:
            raise CopilotError("no session started by this client: call start_session first")
        return self.capture_session_id

    async def pause(self, channel_id: str) -> None:
        await self._rt.acall(self._rt.sessions.set_paused, self._sid(), channel_id, True)

    async def resume(self, channel_id: str) -> None:
        await self._rt.acall(self._rt.sessions.set_paused, self._sid(), channel_id, False)

    def events(self, since: int = 0, types: Iterable[str] | None = None) -> AsyncIterator[Event]:
        """The session's events (log, then live) until it ends."""
        return iter_events(self._rt, self._sid(), since=since, types=types)

    async def stop_session(self) -> None:
        await self._rt.acall(self._rt.sessions.stop, self._sid())

    async def shutdown(self) -> None:
        """Stop the session if it still runs and release this client."""
        sid = self.capture_session_id
        if sid is not None:
            status = await self._rt.acall_sync(self._rt.sessions.status_of, sid)
            if status == "active":
                await self.stop_session()
        self.capture_session_id = None
