"""What a live session holds per channel, and the features running on its streams.

`FeatureRunner` hands each frame to a stream's features, flushes them once as soon as the
channel ends (file end, device gone) and asks them to `pause()` when it pauses, so a channel's
last words never wait for the session to stop; starting a running feature again with the same
options returns the running one (webhooks arrive at least once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from copilot.capture.sources import CaptureSource, ChannelInfo, SourceHandle
from copilot.errors import CopilotError, NotFound
from copilot.events import PluginErrorEvent, RecordedFile
from copilot.runtime.context import StreamContext
from copilot.runtime.media import ChannelPipe
from copilot.runtime.recorder import AudioRecorder, ScreenRecorder
from copilot.store import RTStreamRecord, SessionRecord

if TYPE_CHECKING:
    from copilot.runtime.runtime import Runtime

log = logging.getLogger("copilot.sessions")


@dataclass
class LiveStream:
    record: RTStreamRecord
    ctx: StreamContext
    source: CaptureSource
    info: ChannelInfo
    pipe: ChannelPipe | None = None
    handle: SourceHandle | None = None
    features: dict[str, Any] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # each feature's, as started
    flushed: set[str] = field(default_factory=set)  # features flushed when the channel ended
    work: set[asyncio.Task] = field(default_factory=set)  # flushes running for this channel
    ended: bool = False
    end_error: BaseException | None = None
    recorder: AudioRecorder | ScreenRecorder | None = None
    resume_at: float | None = None  # after a takeover: features skip media before this time


@dataclass
class LiveSession:
    record: SessionRecord
    t0: float  # time.monotonic() when the session started
    streams: dict[str, LiveStream] = field(default_factory=dict)
    stop_when_sources_end: bool = False
    finish_stop: bool = False  # taken over while stopping: the next stop finishes that one
    recorded: list[RecordedFile] = field(default_factory=list)  # filled as recorders close

    def by_channel(self, channel_id: str) -> LiveStream:
        for s in self.streams.values():
            if s.record.channel_id == channel_id:
                return s
        raise NotFound(f"session {self.record.id} is not capturing channel {channel_id!r}")


def _describe(options: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(options.items())) or "no options"


class FeatureRunner:
    """Features on live streams, on the runtime loop."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def deliver(self, stream: LiveStream, frame: Any) -> None:
        frame.pts += stream.pipe.offset
        if stream.recorder is not None:
            stream.recorder.on_frame(frame)
        if stream.resume_at is not None and frame.pts < stream.resume_at:
            return  # logged already by the replica that ran the stream before (failover.py)
        for name, run in list(stream.features.items()):
            try:
                run.on_frame(frame)
            except Exception as exc:
                stream.features.pop(name, None)
                self.failed(stream, name, "on_frame", exc)

    def failed(self, stream: LiveStream, name: str, hook: str, exc: Exception) -> None:
        log.warning("feature %s failed on %s: %s", name, stream.record.channel_id, exc)
        self._error(stream, f"feature:{name}", hook, f"{type(exc).__name__}: {exc}")

    def frames_lost(self, stream: LiveStream, report: str) -> None:
        """Frames of the channel could not be used here or sent by a capture client."""
        log.warning("%s: %s", stream.record.channel_id, report)
        self._error(stream, "capture", "frame", report)

    def _error(self, stream: LiveStream, plugin: str, hook: str, error: str) -> None:
        self.rt.publish(
            PluginErrorEvent(
                capture_session_id=stream.record.capture_session_id,
                rtstream_id=stream.record.id,
                channel=stream.record.channel_id,
                plugin=plugin,
                hook=hook,
                error=error,
            )
        )

    def start(self, stream: LiveStream, name: str, method: str, options: dict) -> Any:
        """Start feature `name` on a live stream, or return it if it already runs so."""
        feature = self.rt.feature(name, method)
        cats = getattr(feature, "categories", None)
        if cats and stream.record.category not in cats:
            raise ValueError(
                f"{method} works on {'/'.join(sorted(cats))} streams, not"
                f" {stream.record.category} ({stream.record.channel_id})"
            )
        wanted = {k: v for k, v in options.items() if v is not None}
        if name in stream.features:
            # webhooks come at least once: a replayed `active` starts the same feature again
            if stream.options[name] == wanted:
                return stream.features[name]
            raise CopilotError(
                f"{method} is already running on {stream.record.channel_id} with other options"
                f" ({_describe(stream.options[name])}, not {_describe(wanted)}); "
                + (
                    "stop_transcript() first"
                    if name == "transcript"
                    else "it runs until the session stops"
                )
            )
        run = feature.start(stream.ctx, **options)
        stream.features[name] = run
        stream.options[name] = wanted
        stream.flushed.discard(name)
        stream.pipe.release()
        if stream.ended:  # nothing more will come: what it has is all there is
            self._soon(stream, self._flush_all(stream))
        return run

    def stop(self, stream: LiveStream, name: str) -> bool:
        run = stream.features.pop(name, None)
        stream.options.pop(name, None)
        if run is not None:
            run.stop()
        return run is not None

    def channel_ended(self, stream: LiveStream) -> None:
        """No more frames will come: flush each feature now (once)."""
        self._soon(stream, self._flush_all(stream))

    def channel_paused(self, stream: LiveStream) -> None:
        self._soon(stream, self._pause_all(stream))

    async def finish(self, stream: LiveStream, *, flush: bool) -> None:
        """The session stops (flush) or failed: flush what was not flushed yet, stop all."""
        if stream.work:  # a flush from the channel's end or pause: let it finish first
            pending = list(stream.work)
            if not flush:
                for task in pending:
                    task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for name, run in list(stream.features.items()):
            if flush and name not in stream.flushed:
                stream.flushed.add(name)
                await self._call(stream, name, run, "flush")
            try:
                run.stop()
            except Exception as exc:
                self.failed(stream, name, "stop", exc)
        stream.features.clear()

    def _soon(self, stream: LiveStream, work: Coroutine[Any, Any, None]) -> None:
        """Run a flush for `stream` on the loop; teardown waits for it before its own."""
        task = self.rt.loop.create_task(work)
        stream.work.add(task)
        task.add_done_callback(stream.work.discard)

    def _flush_limit(self, stream: LiveStream) -> float | None:
        # a live stream's last words are seconds of work; a fast replay's backlog may be
        # the whole file, and cutting it short would silently lose transcript
        return self.rt.settings.drain_timeout if stream.ctx.realtime else None

    async def _flush_all(self, stream: LiveStream) -> None:
        """The channel has no more frames: flush each feature once, in the order started
        (a transcript's last final reaches an audio index started after it)."""
        for name, run in list(stream.features.items()):
            if name not in stream.flushed and stream.features.get(name) is run:
                stream.flushed.add(name)
                await self._call(stream, name, run, "flush")

    async def _pause_all(self, stream: LiveStream) -> None:
        """The channel paused: features that can (an optional `pause()`) emit what is pending
        and go on when frames resume. They first get every frame captured before the pause."""
        await stream.pipe.drained()
        for name, run in list(stream.features.items()):
            if callable(getattr(run, "pause", None)) and name not in stream.flushed:
                await self._call(stream, name, run, "pause")

    async def _call(self, stream: LiveStream, name: str, run: Any, hook: str) -> bool:
        limit = self._flush_limit(stream)
        try:
            await asyncio.wait_for(getattr(run, hook)(), limit)
        except TimeoutError:
            error = TimeoutError(f"{hook} did not finish within {limit:g} s (drain_timeout)")
            self.failed(stream, name, hook, error)
        except Exception as exc:
            self.failed(stream, name, hook, exc)
        else:
            return True
        return False
