"""Capture sessions on the loop: state transitions, opening channels, RTStreams, features.

Every transition is validated against `states.TRANSITIONS`, written to the sessions table
and logged as a `capture_session` event in one transaction.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from copilot.capture.channels import primary_video
from copilot.capture.sources import CaptureSource, ChannelInfo, ChannelRequest
from copilot.delivery.destinations import check_callback_url
from copilot.delivery.selection import check as check_webhook_events
from copilot.errors import CopilotError, IllegalTransition, NotFound
from copilot.events import CaptureErrorEvent, CaptureSessionEvent, ChannelEvent
from copilot.ids import new_id
from copilot.runtime import archive, failover
from copilot.runtime import recorder as recording
from copilot.runtime.context import StreamContext
from copilot.runtime.media import ChannelPipe
from copilot.runtime.perturn import PerTurn
from copilot.runtime.recorder import AudioRecorder, ScreenRecorder
from copilot.runtime.states import LIVE, check_transition
from copilot.runtime.streams import FeatureRunner, LiveSession, LiveStream
from copilot.runtime.teardown import bounded_call
from copilot.store import RTStreamRecord, SessionRecord
from copilot.store.private import private_dir

if TYPE_CHECKING:
    from copilot.runtime.runtime import Runtime

log = logging.getLogger("copilot.sessions")


def _keep(into: list, fn) -> None:
    into.append(fn())


class CaptureError(CopilotError):
    """A channel could not be opened; the session moved to `failed`."""


def check_channels(
    requests: list[ChannelRequest], primary_video_channel_id: str | None
) -> str | None:
    """What `start_session` refuses before opening anything (embedded or remote); returns the
    display recorded as the session's video (see `primary_video`)."""
    if not requests:
        raise ValueError("start_session needs at least one channel")
    ids = [r.channel_id for r in requests]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a channel is listed twice: {ids}")
    return primary_video(requests, primary_video_channel_id)


class SessionManager:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.live: dict[str, LiveSession] = {}
        self.features = FeatureRunner(rt)
        self._existing = PerTurn(lambda: rt.loop, self._existing_of)

    # ------------------------------------------------------------ records
    def get(self, session_id: str) -> SessionRecord | None:
        live = self.live.get(session_id)
        return live.record if live else self.rt.store.sessions.get(session_id)

    def require(self, session_id: str) -> SessionRecord:
        rec = self.get(session_id)
        if rec is None:
            raise NotFound(f"no capture session {session_id!r}")
        return rec

    async def check_exists(self, session_id: str) -> None:
        """`require` for the many callers of one loop turn (emits): one query for them all,
        no record read. Loop thread only."""
        if session_id not in self.live and not await self._existing.get(session_id):
            raise NotFound(f"no capture session {session_id!r}")

    def callback_url(self, session_id: str) -> str | None:
        """Where the session's webhooks go (None: nowhere, or no such session)."""
        live = self.live.get(session_id)
        return live.record.callback_url if live else self.rt.store.sessions.callback_url(session_id)

    def _existing_of(self, session_ids: list[str]) -> dict[str, bool]:
        return dict.fromkeys(self.rt.store.sessions.existing(session_ids), True)

    def status_of(self, session_id: str) -> str | None:
        rec = self.get(session_id)
        return rec.status if rec else None

    def rtstreams(self, session_id: str) -> list[RTStreamRecord]:
        live = self.live.get(session_id)
        if live:
            return [s.record for s in live.streams.values()]
        return self.rt.store.sessions.rtstreams(session_id)

    def create(
        self,
        end_user_id: str | None,
        callback_url: str | None,
        metadata: dict[str, Any] | None,
        webhook_events: list[str] | None = None,
    ) -> SessionRecord:
        if callback_url is not None:
            check_callback_url(callback_url, self.rt.settings.webhook_allow_hosts)
        if webhook_events is not None:
            if callback_url is None:
                raise ValueError("webhook_events needs a callback_url to deliver them to")
            webhook_events = check_webhook_events(webhook_events, self.rt.types.names())
        rec = SessionRecord(
            id=new_id("cap"),
            end_user_id=end_user_id,
            callback_url=callback_url,
            webhook_events=webhook_events,
            metadata=dict(metadata or {}),
        )
        self.rt.publish(
            CaptureSessionEvent(capture_session_id=rec.id, status="created"),
            also=lambda tx: tx.upsert(rec),
        )
        return rec

    def transition(
        self,
        session_id: str,
        target: str,
        *,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
        update: dict[str, Any] | None = None,
        streams: list[RTStreamRecord] | None = None,
    ) -> SessionRecord:
        rec = self.require(session_id)
        check_transition(session_id, rec.status, target)
        new = rec.model_copy(
            update={"status": target, "reason": reason, "updated_at": time.time(), **(update or {})}
        )

        def step(tx) -> None:
            now = tx.status(session_id)
            if now != rec.status:
                raise IllegalTransition(
                    f"capture session {session_id} changed state concurrently"
                    f" (now {now or 'deleted'!r})"
                )
            tx.upsert(new)
            if streams:
                tx.add_rtstreams(streams)

        self.rt.publish(
            CaptureSessionEvent(
                capture_session_id=session_id,
                status=target,
                previous=rec.status,
                reason=reason,
                data=data or {},
            ),
            also=step,
        )
        live = self.live.get(session_id)
        if live is not None:
            live.record = new
        return new

    def recover_stale(self) -> None:
        """Sessions left live by a process (or replica) that no longer runs are marked failed."""
        failover.recover_stale(self)

    # ------------------------------------------------------------ capture
    def _own(self, rec: SessionRecord) -> LiveSession:
        live = self.live.get(rec.id)
        if live is not None:
            return live
        if rec.status in LIVE:
            where = "on another replica" if self.rt.store.shared else f"(pid {rec.owner_pid})"
            raise CopilotError(
                f"capture session {rec.id} is {rec.status} in another process {where};"
                " control it there"
            )
        raise IllegalTransition(f"capture session {rec.id} is {rec.status}, not active")

    async def start(
        self,
        session_id: str,
        requests: list[ChannelRequest],
        primary_video_channel_id: str | None = None,
        stop_when_sources_end: bool = False,
    ) -> SessionRecord:
        rec = self.require(session_id)
        check_transition(session_id, rec.status, "starting")
        primary_video_channel_id = check_channels(requests, primary_video_channel_id)
        resolved = [(req, *self.rt.sources.resolve(req)) for req in requests]
        failover.claim(self, session_id)

        t0 = time.monotonic()
        live = LiveSession(rec, t0, stop_when_sources_end=stop_when_sources_end)
        self.live[session_id] = live
        channels = [
            {"channel_id": req.channel_id, "name": info.name, "source": src.name, **req.options}
            for req, src, info in resolved
        ]
        self.transition(
            session_id,
            "starting",
            data={"channels": channels},
            update={
                "owner_pid": os.getpid(),
                "started_at": time.time(),
                "channels": channels,
                "primary_video_channel_id": primary_video_channel_id,
            },
        )
        try:
            for req, src, info in resolved:
                await self._open(live, req, src, info)
        except Exception as exc:
            reason = f"could not open channel: {exc}"
            await self.fail(session_id, reason)
            raise CaptureError(f"capture session {session_id} failed: {reason}") from exc
        records = [s.record for s in live.streams.values()]
        rec = self.transition(
            session_id,
            "active",
            data={"rtstreams": [r.model_dump() for r in records]},
            streams=records,
        )
        hold = self.rt.settings.replay_hold
        for stream in live.streams.values():
            # a replay faster than real time waits (bounded) for its first feature, so
            # start_transcript()/index_visuals() right after start_session() miss nothing
            if stream.ctx.realtime:
                stream.pipe.release()
            else:
                self.rt.loop.call_later(hold, stream.pipe.release)
            if stream.ended:  # ended (e.g. an unreadable file) before the session was active
                self._announce_end(live, stream)
        return rec

    async def _open(
        self,
        live: LiveSession,
        req: ChannelRequest,
        src: CaptureSource,
        info: ChannelInfo,
        record: RTStreamRecord | None = None,
        offset: float | None = None,
    ) -> None:
        """Open a channel as a new RTStream (or as `record`, when taking a session over)."""
        rts = record or RTStreamRecord(
            id=new_id("rts"),
            capture_session_id=live.record.id,
            channel_id=req.channel_id,
            category=req.kind,
            name=info.name,
        )

        def clock() -> float:
            return time.monotonic() - live.t0

        realtime = bool(info.details.get("realtime", True))
        ctx = StreamContext(
            self.rt, live.record.id, rts.id, req.channel_id, req.kind, clock, realtime
        )
        stream = LiveStream(rts, ctx, src, info)
        live.streams[rts.id] = stream
        pipe = ChannelPipe(
            self.rt.loop,
            req.channel_id,
            self.rt.settings.frame_queue_size,
            offset=clock() if offset is None else offset,
            consumer=lambda frame: self.features.deliver(stream, frame),
            on_end=lambda error: self._channel_ended(live, stream, error),
            on_frame_error=lambda report: self.features.frames_lost(stream, report),
        )
        stream.pipe = pipe
        if req.options.get("store", True):
            folder = private_dir(self.rt.home / "sessions" / live.record.id)
            if req.kind == "display":
                video = req.channel_id == live.record.primary_video_channel_id
                stream.recorder = ScreenRecorder(folder / "screen", req.channel_id, video=video)
                ctx.recorder = stream.recorder
            else:
                stream.recorder = AudioRecorder(folder / "audio", req.channel_id)
        stream.handle = await self.rt.loop.run_in_executor(None, src.open, info, req, pipe.sink)

    def _channel_ended(
        self, live: LiveSession, stream: LiveStream, error: BaseException | None
    ) -> None:
        if stream.ended:
            return
        stream.ended = True
        stream.end_error = error
        if live.record.status == "active":
            self._announce_end(live, stream)
        elif live.finish_stop and all(s.ended for s in live.streams.values()):
            # taken over mid-stop: the client resent what the old owner had, then the ends
            self.rt.loop.create_task(self._stop_quietly(live.record.id))
        # while starting, `start` announces it once the session is active; at stop it is not news

    def _announce_end(self, live: LiveSession, stream: LiveStream) -> None:
        error = stream.end_error
        self.rt.publish(
            ChannelEvent(
                capture_session_id=live.record.id,
                rtstream_id=stream.record.id,
                channel=stream.record.channel_id,
                status="failed" if error else "ended",
                reason=str(error) if error else None,
                start=stream.ctx.session_time(),
            )
        )
        self.features.channel_ended(stream)  # its last words, now
        if error is not None and all(s.ended for s in live.streams.values()):
            failed = [s.record.channel_id for s in live.streams.values() if s.end_error]
            self.rt.publish(
                CaptureErrorEvent(
                    capture_session_id=live.record.id,
                    rtstream_id=stream.record.id,
                    channel=stream.record.channel_id,
                    code="channels_failed",
                    message=f"no channel is capturing any more ({', '.join(failed)} failed):"
                    f" {error}",
                    start=stream.ctx.session_time(),
                )
            )
        if live.stop_when_sources_end and all(s.ended for s in live.streams.values()):
            self.rt.loop.create_task(self._stop_quietly(live.record.id))

    async def _stop_quietly(self, session_id: str) -> None:
        try:
            await self.stop(session_id)
        except CopilotError as exc:
            log.info("auto-stop of %s skipped: %s", session_id, exc)

    async def set_paused(self, session_id: str, channel_id: str, paused: bool) -> None:
        live = self._own(self.require(session_id))
        if live.record.status != "active":
            raise IllegalTransition(f"capture session {session_id} is {live.record.status}")
        stream = live.by_channel(channel_id)
        if stream.pipe.paused == paused:
            return
        stream.pipe.paused = paused
        if stream.handle is not None:
            await self.rt.loop.run_in_executor(
                None, stream.handle.pause if paused else stream.handle.resume
            )
        self.rt.publish(
            ChannelEvent(
                capture_session_id=session_id,
                rtstream_id=stream.record.id,
                channel=channel_id,
                status="paused" if paused else "resumed",
                start=stream.ctx.session_time(),
            )
        )
        if paused:
            self.features.channel_paused(stream)

    async def stop(self, session_id: str) -> SessionRecord:
        rec = self.require(session_id)
        live = self.live.get(session_id)
        if live is not None and live.finish_stop:  # another replica began this stop, then died
            live.finish_stop = False
        else:
            check_transition(session_id, rec.status, "stopping")
            live = self._own(rec)
            self.transition(session_id, "stopping")
        await self._teardown(live, flush=True)
        late = await self.rt.dispatcher.drain(self.rt.settings.drain_timeout)
        await asyncio.sleep(0)  # let results handed over by plugin threads publish first
        data = {"plugins_still_busy": late} if late else {}
        # the files are closed and the plugins drained: the recording is final; then `stopped`
        video = live.record.primary_video_channel_id
        self.rt.publish(recording.recording_complete(session_id, live.recorded, video, live.t0))
        self.live.pop(session_id, None)
        rec = self.transition(session_id, "stopped", data=data)
        failover.release(self, session_id)
        return rec

    async def fail(self, session_id: str, reason: str) -> SessionRecord:
        self.rt.publish(
            CaptureErrorEvent(capture_session_id=session_id, code="session_failed", message=reason)
        )
        live = self.live.get(session_id)
        if live is not None:
            try:
                await self._teardown(live, flush=False)
            except Exception as exc:
                log.warning("teardown of failed session %s: %s", session_id, exc)
        rec = self.transition(session_id, "failed", reason=reason)
        self.live.pop(session_id, None)
        failover.release(self, session_id)
        return rec

    async def _bounded(self, fn, what: str) -> None:
        await bounded_call(self.rt.loop, fn, what, self.rt.settings.drain_timeout)

    async def _teardown(self, live: LiveSession, *, flush: bool) -> None:
        for stream in live.streams.values():
            if stream.handle is not None:
                await self._bounded(stream.handle.stop, f"stopping {stream.record.channel_id}")
        for stream in live.streams.values():
            if stream.pipe is not None:
                await stream.pipe.close()
            if stream.recorder is not None:
                what = f"closing the recording of {stream.record.channel_id}"
                closed: list[Path | None] = []
                close = functools.partial(_keep, closed, stream.recorder.close)
                await self._bounded(close, what)
                if closed and closed[0] is not None:
                    file = recording.recorded_file(stream.record, stream.recorder, closed[0])
                    live.recorded.append(file)
        for stream in live.streams.values():
            await self.features.finish(stream, flush=flush)

    async def stop_all(self) -> None:
        for sid in list(self.live):
            rec = self.live[sid].record
            try:
                if rec.status == "active":
                    await self.stop(sid)
                else:
                    await self.fail(sid, "the runtime closed while the session was " + rec.status)
            except Exception as exc:
                log.warning("closing session %s: %s", sid, exc)

    # ------------------------------------------------------------ features
    def live_stream(self, rtstream_id: str) -> tuple[LiveSession, LiveStream]:
        for live in self.live.values():
            stream = live.streams.get(rtstream_id)
            if stream is not None:
                if live.record.status != "active":
                    break
                return live, stream
        raise IllegalTransition(
            f"rtstream {rtstream_id} is not live: features start while its session is active"
        )

    def start_feature(
        self, rtstream_id: str, name: str, method: str, options: dict, persist: bool = True
    ) -> Any:
        if self.rt.store.shared and not self._runs(rtstream_id):
            return failover.start_elsewhere(self, rtstream_id, name, method, options)
        _, stream = self.live_stream(rtstream_id)
        run = self.features.start(stream, name, method, options)
        if persist:  # so a replica that takes the session over starts it again
            failover.record_feature(self, stream, name, method, options)
        return run

    def stop_feature(self, rtstream_id: str, name: str) -> bool:
        if self.rt.store.shared and not self._runs(rtstream_id):
            return failover.stop_elsewhere(self, rtstream_id, name)
        _, stream = self.live_stream(rtstream_id)
        stopped = self.features.stop(stream, name)
        if stopped:
            self.rt.store.features.stopped(stream.record.capture_session_id, rtstream_id, name)
        return stopped

    def _runs(self, rtstream_id: str) -> bool:
        return any(rtstream_id in live.streams for live in self.live.values())

    def frames_lost(self, session_id: str, channel_id: str, report: str) -> None:
        """A capture client could not send some frames of a channel (see `FrameErrors`)."""
        live = self._own(self.require(session_id))
        self.features.frames_lost(live.by_channel(channel_id), report)

    def channel_stats(self) -> dict[str, dict[str, Any]]:
        out = {}
        for sid, live in self.live.items():
            for s in live.streams.values():
                if s.pipe is not None:
                    out[f"{sid}/{s.record.channel_id}"] = s.pipe.snapshot()
        return out

    # ------------------------------------------------------------ export / delete
    async def export(self, session_id: str, out_dir: str | Path | None = None) -> Path:
        return await archive.export_session(self, session_id, out_dir)

    def delete(self, session_id: str) -> None:
        archive.delete_session(self, session_id)
