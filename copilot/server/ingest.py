"""Media ingest: a capture client streams its channels over `/v1/ingest` (framing v1).

Control messages (JSON text): the client sends `start` {capture_session_id, channels:
[{channel_id, name}], primary_video_channel_id, stop_when_sources_end} or, after a network
blip, `attach` {capture_session_id}; then binary media frames (`copilot.server.framing`), and
`end` {channel}, `pause`/`resume` {channel_id}, `stop`, `ping`. The server answers `started`/
`attached` (with the last frame seq it holds per channel, so the client resends the rest; on
a shared store, attaching to a replica that does not run the session takes it over once the
old owner's lease has expired — `copilot.runtime.failover`),
`ack` {seqs} every few frames, `stopped`, `pong`, and `error` {code, message} — a bad frame
or message is answered with an error and the connection and session keep working. A session
whose client is gone and does not re-attach within `ingest_grace` seconds is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from copilot.capture.sources import ChannelRequest
from copilot.errors import PermissionDenied
from copilot.runtime import failover
from copilot.server import framing
from copilot.server.auth import Caller
from copilot.server.owners import Owners, owner_key
from copilot.server.remote_source import RemoteSource
from copilot.server.wire import status_for
from copilot.server.ws import CredentialLapsed, close_lapsed, close_with_error, watch_credential

router = APIRouter(tags=["ingest"])
log = logging.getLogger("copilot.server.ingest")
ACK_EVERY = 20


class IngestConn:
    def __init__(self, ws: WebSocket, source: RemoteSource, caller: Caller) -> None:
        self.ws = ws
        self.rt = ws.app.state.conn.runtime
        self.source = source
        self.claims = caller.claims
        self.owners: Owners = ws.app.state.owners
        self.owner = owner_key(caller.claims, caller.key_id)
        self.sid: str | None = None
        self.channels: list[str] = []
        self.since_ack = 0
        self.errors = 0
        self.gone = False
        # one thread per connection hands frames to the pipes, in order, waiting for room
        self.feeder = ThreadPoolExecutor(1, thread_name_prefix="copilot-ingest")

    async def send(self, op: str, **data: Any) -> None:
        """Answer the client; one that has gone away (a `stop` answered after it left) is not
        an error of the server's: nothing is sent, nothing raised."""
        if self.gone:
            return
        try:
            await self.ws.send_text(json.dumps({"op": op, **data}))
        except Exception as exc:  # WebSocketDisconnect, ClientDisconnected, a closed socket
            self.gone = True
            log.debug("ingest client left before %s: %s", op, exc)

    async def error(self, code: str, message: str, exc: BaseException | None = None) -> None:
        self.errors += 1
        status = (status_for(exc) if exc is not None else None) or 400
        await self.send("error", code=code, type=code, status=status, message=message)

    def _check_scope(self, sid: Any) -> str:
        if not isinstance(sid, str) or not sid:
            raise ValueError("capture_session_id must be a non-empty string")
        scoped = self.claims.session_id if self.claims else None
        if scoped not in (None, sid):
            raise PermissionDenied(f"this client token is scoped to capture session {scoped}")
        return sid

    async def _check_may_attach(self, sid: str) -> None:
        if not await self.owners.may_use(self.claims, sid):
            raise PermissionDenied(
                f"this client token did not start capture session {sid} and is not scoped to"
                " it: only the token that started a session may attach to it"
            )

    def seqs(self) -> dict[str, int]:
        out = {}
        for i, cid in enumerate(self.channels):
            h = self.source.handle(self.sid, cid)
            out[str(i)] = h.last_seq if h else -1
        return out

    # ------------------------------------------------------------------ control
    async def on_control(self, msg: dict[str, Any]) -> None:
        op = msg["op"]
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            await self.error("bad_op", f"unknown op {op!r}")
            return
        try:
            await handler(msg)
        except Exception as exc:  # bad input or a CopilotError from the runtime: report it
            await self.error(type(exc).__name__, str(exc), exc)

    async def op_start(self, msg: dict[str, Any]) -> None:
        if self.sid is not None:
            raise ValueError(f"this connection already streams {self.sid}")
        sid = self._check_scope(msg.get("capture_session_id"))
        channels = msg.get("channels")
        if not isinstance(channels, list) or not channels or len(channels) > 16:
            raise ValueError("channels must be a list of 1..16 {channel_id, name} objects")
        ids, requests = [], []
        for ch in channels:
            if not isinstance(ch, dict) or not isinstance(ch.get("channel_id"), str):
                raise ValueError(f"channel {ch!r} needs a string channel_id")
            opts = {
                "remote": sid,
                "name": str(ch.get("name") or ch["channel_id"])[:200],
                # False: a replay faster than real time (held for its first feature, no drops)
                "realtime": ch.get("realtime", True) is not False,
            }
            ids.append(ch["channel_id"])
            requests.append(ChannelRequest(ch["channel_id"], opts))
        primary = msg.get("primary_video_channel_id")
        swse = bool(msg.get("stop_when_sources_end", False))
        sessions = self.rt.sessions
        made = await self.owners.bind(self.claims, sid)  # refused if bound to another session
        try:
            await self.rt.acall(sessions.start, sid, requests, primary, swse)
        except BaseException:
            if made:
                await self.owners.unbind(self.claims, sid)
            raise
        self._bind(sid, ids)
        await self.send("started", capture_session_id=sid, channels=ids, seqs=self.seqs())

    async def op_attach(self, msg: dict[str, Any]) -> None:
        if self.sid is not None:
            raise ValueError(f"this connection already streams {self.sid}")
        sid = self._check_scope(msg.get("capture_session_id"))
        await self._check_may_attach(sid)
        channels = msg.get("channels")
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise ValueError("attach needs channels: the channel ids in start order")
        takeover = False
        if not all(self.source.handle(sid, c) for c in channels):
            if not self.rt.store.shared:
                status = await self.rt.acall_sync(self.rt.sessions.status_of, sid)
                raise ValueError(f"capture session {sid} has no such remote channels ({status})")
            # another replica ran it and stopped renewing its lease: continue it here
            swse = bool(msg.get("stop_when_sources_end", False))
            await self.rt.acall(failover.adopt, self.rt.sessions, sid, list(channels), swse)
            takeover = True
        self._bind(sid, list(channels))
        await self.send("attached", capture_session_id=sid, seqs=self.seqs(), takeover=takeover)

    async def op_end(self, msg: dict[str, Any]) -> None:
        # a client says `end` again after a reconnect when it cannot know it was heard
        handle = self._handle(msg.get("channel"), closed_ok=True)
        err = msg.get("error")
        if handle is not None:
            handle.end(RuntimeError(str(err)[:500]) if err else None)
        await self.send("ack", seqs=self.seqs())

    async def op_pause(self, msg: dict[str, Any]) -> None:
        await self._pause(msg, True)

    async def op_resume(self, msg: dict[str, Any]) -> None:
        await self._pause(msg, False)

    async def _pause(self, msg: dict[str, Any], paused: bool) -> None:
        sid = self._bound()
        cid = msg.get("channel_id")
        await self.rt.acall(self.rt.sessions.set_paused, sid, cid, paused)
        await self.send("paused" if paused else "resumed", channel_id=cid)

    async def op_stop(self, msg: dict[str, Any]) -> None:
        sid = self._bound()
        await self.rt.acall(self.rt.sessions.stop, sid)
        self.source.forget(sid)
        await self.send("stopped", capture_session_id=sid)

    async def op_frame_error(self, msg: dict[str, Any]) -> None:
        """The client could not send some frames of a channel: the session logs it."""
        self._handle(msg.get("channel"))  # a channel this connection streams
        channel = self.channels[msg["channel"]]
        report = str(msg.get("error") or "frames could not be sent")[:500]
        await self.rt.acall_sync(self.rt.sessions.frames_lost, self.sid, channel, report)

    async def op_fail(self, msg: dict[str, Any]) -> None:
        """The client could not open a channel: the session fails, as it would embedded."""
        sid = self._bound()
        reason = str(msg.get("reason") or "the capture client failed")[:500]
        await self.rt.acall(self.rt.sessions.fail, sid, reason)
        self.source.forget(sid)
        await self.send("failed", capture_session_id=sid)

    async def op_ping(self, msg: dict[str, Any]) -> None:
        await self.send("pong", seqs=self.seqs() if self.sid else {})

    def _bind(self, sid: str, channels: list[str]) -> None:
        replaced = self.owners.claim(sid, self.owner, self)  # refused: another live client
        self.sid, self.channels = sid, channels
        attached = self.ws.app.state.ingest_attached
        attached[sid] = attached.get(sid, 0) + 1
        if replaced is not None:  # the same client reconnected: its old socket is stale
            task = asyncio.get_running_loop().create_task(replaced.superseded())
            self.ws.app.state.ingest_tasks.add(task)
            task.add_done_callback(self.ws.app.state.ingest_tasks.discard)

    async def superseded(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code=1008, reason="superseded by a newer connection")

    async def detach(self) -> None:
        """The socket is gone. If no client re-attaches within the grace period, stop."""
        if self.sid is None:
            return
        self.owners.release(self.sid, self)
        attached = self.ws.app.state.ingest_attached
        attached[self.sid] -= 1
        if attached[self.sid] > 0:
            return
        await asyncio.sleep(self.ws.app.state.ingest_grace)
        if attached.get(self.sid, 0) > 0:
            return
        attached.pop(self.sid, None)
        status = await self.rt.acall_sync(self.rt.sessions.status_of, self.sid)
        if status == "active":
            log.warning("capture client of %s gone for good: stopping the session", self.sid)
            with contextlib.suppress(Exception):
                await self.rt.acall(self.rt.sessions.stop, self.sid)

    def _bound(self) -> str:
        if self.sid is None:
            raise ValueError("send a start or attach message first")
        if not self.owners.is_live_conn(self.sid, self):
            raise PermissionDenied("a newer connection of this client streams the session now")
        return self.sid

    def _handle(self, index: Any, closed_ok: bool = False):
        self._bound()
        if not isinstance(index, int) or not 0 <= index < len(self.channels):
            raise ValueError(f"channel index {index!r} is not one of 0..{len(self.channels) - 1}")
        handle = self.source.handle(self.sid, self.channels[index])
        if handle is None and not closed_ok:
            raise ValueError(f"channel {self.channels[index]} is no longer open")
        return handle

    # ------------------------------------------------------------------ media
    async def on_frame(self, data: bytes) -> None:
        """Decode and hand over on the connection's own thread (decoding an image is work
        the server loop must not do), in order; a refused frame gets a `bad_frame` error."""
        try:
            self._bound()
        except Exception as exc:
            await self.error("bad_frame", str(exc))
            return
        loop = asyncio.get_running_loop()
        problem = await loop.run_in_executor(self.feeder, self._feed, data)
        if problem is not None:
            await self.error("bad_frame", problem)
            return
        self.since_ack += 1
        if self.since_ack >= ACK_EVERY:
            self.since_ack = 0
            await self.send("ack", seqs=self.seqs())

    def _feed(self, data: bytes) -> str | None:
        """Feeder thread: parse one frame and offer it to its channel; what was wrong, if
        anything."""
        try:
            packet = framing.decode(data, self.ws.app.state.max_frame_bytes)
            handle = self._handle(packet.channel)
            handle.offer(packet.seq, packet.frame)
        except Exception as exc:  # FrameError, FrameRefused, or whatever a hostile frame does
            return str(exc) or type(exc).__name__
        return None


def _lapsed(ws: WebSocket, conn: IngestConn, task: asyncio.Task) -> None:
    """The credential was revoked or expired: say so and close with the policy code."""
    exc = None if task.cancelled() else task.exception()
    if isinstance(exc, CredentialLapsed):
        conn.gone = True  # nothing more is answered on this socket
        closing = asyncio.get_running_loop().create_task(close_lapsed(ws, exc))
        ws.app.state.ingest_tasks.add(closing)
        closing.add_done_callback(ws.app.state.ingest_tasks.discard)


@router.websocket("/v1/ingest")
async def ingest(ws: WebSocket) -> None:
    """Capture-client media in; authenticate with a client token (or API key) on the upgrade."""
    await ws.accept()
    try:
        caller = await ws.app.state.auth.capture(ws.headers, None)
    except Exception as exc:
        await close_with_error(ws, exc)
        return
    conn = IngestConn(ws, ws.app.state.remote_source, caller)
    auth = asyncio.create_task(watch_credential(ws))
    auth.add_done_callback(lambda task: _lapsed(ws, conn, task))
    try:
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            if msg.get("bytes") is not None:
                await conn.on_frame(msg["bytes"])
            elif msg.get("text") is not None:
                try:
                    parsed = framing.control(msg["text"])
                except framing.FrameError as exc:
                    await conn.error("bad_message", str(exc))
                    continue
                await conn.on_control(parsed)
    except WebSocketDisconnect:
        return
    finally:
        auth.cancel()
        conn.feeder.shutdown(wait=False)
        if conn.sid:
            log.info("ingest for %s disconnected (%d errors)", conn.sid, conn.errors)
            tasks = ws.app.state.ingest_tasks  # keep a reference: asyncio holds tasks weakly
            task = asyncio.get_running_loop().create_task(conn.detach())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
