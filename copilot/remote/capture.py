"""The remote capture transport: `CaptureClient(client_token=..., base_url=...)`.

Opens channels with this machine's capture sources (the same plugin registry) and streams
their frames to the server's `/v1/ingest` (framing v1). Frames wait in one bounded buffer
until the server acknowledges them; after a network blip the client reconnects, `attach`es,
and resends what the server did not get. When the buffer is full the oldest frame is dropped
and counted (`stats["dropped"]`).

`base_url` may be a list of replicas of one backend (several `copilot serve` on one
database): the client starts on the first that answers and, when its connection is lost,
tries the same one again, then the next. A replica that does not run the session takes it
over once the old owner's lease expires (until then it answers `Unavailable`, and the client
keeps trying for `reconnect_for` seconds); the client then resends the audio it kept
(`retain_frames`) so the new owner hears what the dead one had not transcribed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

import websockets

from copilot.capture.channels import Channels
from copilot.capture.client import _request
from copilot.capture.sources import Permission, SourceRegistry
from copilot.errors import CopilotError, Unavailable
from copilot.remote.buffer import SendBuffer
from copilot.remote.events import iter_remote_events
from copilot.remote.http import ws_url
from copilot.server.wire import error_class

log = logging.getLogger("copilot.remote.capture")


def load_sources(
    plugins: Iterable[Any] = (), *, entrypoints: bool = True, **settings: Any
) -> SourceRegistry:
    """This machine's capture sources, from installed plugins (and `plugins`), no runtime;
    `settings` (e.g. `screen_fps`) are what the sources read, as `copilot.connect` takes them."""
    from copilot.config import load_settings
    from copilot.runtime.runtime import Runtime

    rt = Runtime(load_settings(**settings), entrypoints=entrypoints)
    for p in plugins:
        rt.plugins.register(p)
    rt.load_plugins()
    return rt.sources


def _closed_error(exc: websockets.ConnectionClosed) -> Exception:
    """The error a server's close frame carries (code 4000 + HTTP status, reason)."""
    frame = exc.rcvd
    if frame is not None and 4000 <= frame.code < 5000:
        return error_class("", frame.code - 4000)(frame.reason)
    return CopilotError(f"the server closed the ingest connection ({exc})")


class RemoteCaptureClient:
    def __init__(
        self,
        client_token: str,
        base_url: str | list[str],
        *,
        sources: SourceRegistry | None = None,
        max_buffer_frames: int = 5000,
        reconnect_for: float = 60.0,
        retain_frames: int = 12000,
    ) -> None:
        self._token = client_token
        self._urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not self._urls:
            raise ValueError("base_url needs at least one URL")
        for url in self._urls:
            ws_url(url, "")  # validates the scheme now, not at the first reconnect
        self._at = 0  # index of the replica in use
        self._sources = sources
        self._reconnect_for = reconnect_for
        self._handles: list[Any] = []
        self._channels: list[str] = []
        self._replies: asyncio.Queue[dict] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._pump_task: asyncio.Task | None = None
        self._ws = None
        self._closing = False
        self._stop_when_sources_end = False
        self._awaiting: str | None = None  # the control message whose reply is awaited
        self.capture_session_id: str | None = None
        self.stats = {"sent": 0, "acked": 0, "dropped": 0, "reconnects": 0, "frame_errors": 0}
        self.stats["resent_after_failover"] = 0
        self._buf = SendBuffer(max_buffer_frames, self.stats, retain_frames)
        self._buf.on_add = self._wake.set

    # ------------------------------------------------------------------ local sources
    def _registry(self) -> SourceRegistry:
        if self._sources is None:
            self._sources = load_sources()
        return self._sources

    async def request_permission(self, kind: str) -> Permission:
        return await asyncio.to_thread(lambda: self._registry().probe(kind))

    async def list_channels(self) -> Channels:
        channels, problems = await asyncio.to_thread(lambda: self._registry().list_channels())
        return Channels.from_list(channels, problems)

    @property
    def _base(self) -> str:
        return self._urls[self._at]

    @property
    def _url(self) -> str:
        return ws_url(self._base, "/v1/ingest")

    # ------------------------------------------------------------------ session
    async def _connect(self):
        headers = {"authorization": f"Bearer {self._token}"}
        return await websockets.connect(
            self._url, additional_headers=headers, max_size=2**24, close_timeout=1
        )

    async def _connect_any(self):
        """The first replica, from the current one on, that accepts the connection."""
        for i in range(len(self._urls)):
            try:
                return await self._connect()
            except (OSError, websockets.InvalidHandshake):
                if i == len(self._urls) - 1:
                    raise
                self._at = (self._at + 1) % len(self._urls)

    async def _expect(self, ws, *ops: str) -> dict:
        while True:
            try:
                msg = json.loads(await ws.recv())
            except websockets.ConnectionClosed as exc:  # closed without saying why in a message
                raise _closed_error(exc) from None
            if msg["op"] in ops:
                return msg
            if msg["op"] == "error":
                raise error_class(msg.get("type") or msg.get("code", ""), msg.get("status", 400))(
                    msg["message"]
                )

    async def start_session(
        self,
        capture_session_id: str,
        channels: Iterable[Any],
        primary_video_channel_id: str | None = None,
        *,
        stop_when_sources_end: bool = False,
    ) -> None:
        if self.capture_session_id is not None:
            raise CopilotError(f"this client is already running {self.capture_session_id}")
        from copilot.runtime.sessions import check_channels

        requests = [_request(c) for c in channels]
        primary_video_channel_id = check_channels(requests, primary_video_channel_id)
        registry = self._registry()
        resolved = await asyncio.to_thread(lambda: [(r, *registry.resolve(r)) for r in requests])
        ws = await self._connect_any()
        start = {
            "op": "start",
            "capture_session_id": capture_session_id,
            "channels": [
                {
                    "channel_id": r.channel_id,
                    "name": i.name,
                    "realtime": bool(i.details.get("realtime", True)),
                }
                for r, _, i in resolved
            ],
            "primary_video_channel_id": primary_video_channel_id,
            "stop_when_sources_end": stop_when_sources_end,
        }
        try:
            # a server that refuses the token has sent why and closed: read that below
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(json.dumps(start))
            await self._expect(ws, "started")
        except BaseException:
            await ws.close()
            raise
        self._ws = ws
        self._stop_when_sources_end = stop_when_sources_end
        self.capture_session_id = capture_session_id
        self._channels = [r.channel_id for r, _, _ in resolved]
        loop = asyncio.get_running_loop()
        self._pump_task = loop.create_task(self._pump())
        for idx, (req, src, info) in enumerate(resolved):
            sink = self._buf.sink(loop, idx)
            try:
                self._handles.append(await asyncio.to_thread(src.open, info, req, sink))
            except Exception as exc:  # as the embedded runtime does: the session fails
                await self._fail_start(f"could not open channel: {exc}", exc)

    async def _fail_start(self, reason: str, exc: Exception) -> None:
        """A channel could not be opened here: stop the ones that were, tell the server to
        move the session to failed, and raise what the embedded runtime raises."""
        from copilot.runtime.sessions import CaptureError

        sid = self.capture_session_id
        for handle in self._handles:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(handle.stop)
        self._handles.clear()
        with contextlib.suppress(CopilotError, OSError):
            await self._control("fail", "failed", reason=reason)
        raise CaptureError(f"capture session {sid} failed: {reason}") from exc

    async def _recv(self, ws) -> None:
        async for raw in ws:
            msg = json.loads(raw)
            if msg["op"] == "ack":
                self._buf.ack(msg["seqs"])
            elif msg["op"] == "error" and msg.get("code") == "bad_frame":
                self.stats["frame_errors"] += 1
                log.warning("server refused a frame: %s", msg["message"])
            else:
                await self._replies.put(msg)

    async def _pump(self) -> None:
        ws = self._ws
        while not self._closing:
            recv = asyncio.get_running_loop().create_task(self._recv(ws))
            try:
                while True:
                    while self._buf.pending:
                        item = self._buf.pending[0]
                        await ws.send(item[2])
                        self._buf.sent_first(item)
                    self._wake.clear()
                    waiter = asyncio.ensure_future(self._wake.wait())
                    await asyncio.wait({waiter, recv}, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    if recv.done():
                        recv.result()
                        raise websockets.ConnectionClosedError(None, None)
            except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as exc:
                recv.cancel()
                if self._closing:
                    return
                log.info("ingest connection lost (%s); reconnecting", type(exc).__name__)
                ws = await self._reconnect()
                if ws is None:
                    return

    async def _reconnect(self):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._reconnect_for
        delay = 0.05
        tries = 0
        while loop.time() < deadline and not self._closing:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
            ws = None
            try:
                ws = await self._connect()
                await ws.send(
                    json.dumps(
                        {
                            "op": "attach",
                            "capture_session_id": self.capture_session_id,
                            "channels": self._channels,
                            "stop_when_sources_end": self._stop_when_sources_end,
                        }
                    )
                )
                msg = await self._expect(ws, "attached")
            except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as exc:
                if ws is not None:
                    await ws.close()
                log.debug("reconnect to %s: %s", self._url, exc)
                tries += 1
                if tries % 2 == 0:  # the same replica twice, then the next one
                    self._at = (self._at + 1) % len(self._urls)
                continue
            except Unavailable as exc:  # the old owner's lease has not expired yet
                log.info("reconnect: %s", exc)
                delay = 0.5
                await ws.close()
                continue
            except CopilotError as exc:
                await ws.close()
                if type(exc) is CopilotError:  # closed with no reason given: as a network error
                    continue
                # the session cannot go on (stopped, failed, refused)
                log.warning("could not re-attach %s: %s", self.capture_session_id, exc)
                return None
            takeover = bool(msg.get("takeover"))
            self.stats["resent_after_failover"] += self._buf.rewind(msg["seqs"], takeover)
            if takeover and self._awaiting is not None:  # its answer died with the old owner
                self._buf.add((-1, -3, self._awaiting))
            self._ws = ws
            self.stats["reconnects"] += 1
            return ws
        log.warning(
            "could not reconnect to %s; %d frames unsent", self._url, len(self._buf.pending)
        )
        return None

    async def _control(self, op: str, reply: str, **data: Any) -> dict:
        self._awaiting = json.dumps({"op": op, **data})  # said again to a replica taking over
        self._buf.add((-1, -3, self._awaiting))
        try:
            while True:
                msg = await self._reply()
                if msg["op"] == reply:
                    return msg
                if msg["op"] == "error":
                    name = msg.get("type") or msg.get("code", "")
                    raise error_class(name, msg.get("status", 400))(msg["message"])
        finally:
            self._awaiting = None

    async def _reply(self, timeout: float = 120.0) -> dict:
        """The next reply from the server, or an error once the connection is gone for good."""
        getter = asyncio.ensure_future(self._replies.get())
        waits = {getter} | ({self._pump_task} if self._pump_task else set())
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            return getter.result()
        getter.cancel()
        raise CopilotError(f"no reply from the server at {self._url} (connection lost)")

    def _sid(self) -> str:
        if self.capture_session_id is None:
            raise CopilotError("no session started by this client: call start_session first")
        return self.capture_session_id

    async def pause(self, channel_id: str) -> None:
        """Stop sending a channel (its device pauses here too); the server logs `paused`."""
        self._sid()
        await self._control("pause", "paused", channel_id=channel_id)
        await self._local(channel_id, "pause")

    async def resume(self, channel_id: str) -> None:
        self._sid()
        await self._control("resume", "resumed", channel_id=channel_id)
        await self._local(channel_id, "resume")

    async def _local(self, channel_id: str, action: str) -> None:
        if channel_id in self._channels and len(self._handles) == len(self._channels):
            handle = self._handles[self._channels.index(channel_id)]
            await asyncio.to_thread(getattr(handle, action))

    def events(self, since: int = 0, types: Iterable[str] | None = None) -> AsyncIterator:
        return iter_remote_events(self._base, self._token, self._sid(), since=since, types=types)

    async def stop_session(self) -> None:
        self._sid()
        await asyncio.gather(*(asyncio.to_thread(h.stop) for h in self._handles))
        self._handles.clear()
        await self._control("stop", "stopped")

    async def shutdown(self) -> None:
        """Stop the session if this client still runs it, and close the connection."""
        if self.capture_session_id is not None and self._handles:
            with contextlib.suppress(CopilotError, OSError, TimeoutError):
                await self.stop_session()
        self._closing = True
        self._buf.close()
        for h in self._handles:
            await asyncio.to_thread(h.stop)
        self._handles.clear()
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(BaseException):
                await self._pump_task
        if self._ws is not None:
            await self._ws.close()
        self.capture_session_id = None
