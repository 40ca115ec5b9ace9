"""Builtin plugin: display capture sources — screens through mss, and replays for demos/tests.

`display:1`, `display:2`, … (`display:primary` too) sample the screen at `screen_fps`
(default 1) and pass on only changed frames; unchanged samples become `Tick`s so time-based
batches still close. A replay is `{"channel_id": "display:file", "path": FOLDER_OR_VIDEO,
"speed": 1 | 4 | "max"}` (as for an audio file: 4 replays a minute in 15 s, so a screen
recording keeps time with the audio replayed beside it). Windows on the exclusion list are
blacked out before any frame leaves the source, so they are never stored or sent to a model.
"""

from __future__ import annotations

import time
from pathlib import Path

from copilot import hookimpl
from copilot.capture.frames import Tick, VideoFrame
from copilot.capture.sources import (
    CaptureSource,
    ChannelInfo,
    ChannelRequest,
    FrameSink,
    Permission,
    SourceHandle,
)


class _SamplerHandle(SourceHandle):
    def __init__(self, sampler) -> None:
        self.sampler = sampler

    def stop(self) -> None:
        self.sampler.stop()

    def pause(self) -> None:
        self.sampler.pause()

    def resume(self) -> None:
        self.sampler.resume()


class DisplaySource(CaptureSource):
    name = "screen"
    kinds = ("display",)

    def __init__(self, settings) -> None:
        self.settings = settings

    def probe(self, kind: str) -> Permission:
        from copilot.vision.displays import DisplayUnavailable, list_displays

        try:
            displays = list_displays()
        except DisplayUnavailable as exc:
            return Permission(kind, False, str(exc))
        return Permission(kind, True, f"{len(displays)} display(s)")

    def list_channels(self) -> list[ChannelInfo]:
        from copilot.vision.displays import DisplayUnavailable, list_displays

        try:
            displays = list_displays()
        except DisplayUnavailable:
            return []
        return [
            ChannelInfo(
                d.id,
                "display",
                d.name,
                self.name,
                d.primary,
                {"width": d.width, "height": d.height, "left": d.left, "top": d.top},
            )
            for d in displays
        ]

    def resolve(self, request: ChannelRequest) -> ChannelInfo | None:
        path = request.options.get("path")
        if path:
            if not Path(path).exists():
                raise FileNotFoundError(f"display replay source {path!r} does not exist")
            from copilot.audio.file_reader import parse_speed

            speed = parse_speed(request.options.get("speed", 1.0))  # a bad speed fails here
            realtime = speed is not None
            details = {"path": str(path), "realtime": realtime}
            return ChannelInfo(
                request.channel_id, "display", Path(path).name, self.name, details=details
            )
        if request.channel_id in ("display:primary", "display:default"):
            return next((c for c in self.list_channels() if c.is_default), None)
        return super().resolve(request)

    def open(self, channel: ChannelInfo, request: ChannelRequest, sink: FrameSink) -> SourceHandle:
        from copilot.audio.file_reader import parse_speed
        from copilot.vision.privacy import PrivacyFilter
        from copilot.vision.sampler import Sampler
        from copilot.vision.sources import open_source

        opts = request.options
        replay = opts.get("path")
        speed = parse_speed(opts.get("speed", 1.0)) if replay else 1.0
        fast = speed is None
        exclude = list(self.settings.screen_exclude) + list(opts.get("exclude", []))

        def on_frame(frame, pts, changed, info) -> None:
            sink.put(VideoFrame(frame, pts, changed, {"frame_info": info}), fast)

        sampler = Sampler(
            open_source(replay or channel.id),
            on_frame,
            fps=float(opts.get("fps", self.settings.screen_fps)),
            pace="fast" if fast else "realtime",
            speed=speed or 1.0,
            privacy=PrivacyFilter(exclude) if exclude else None,
            on_tick=lambda pts: sink.put(Tick(pts), fast),
            on_error=sink.end,
            on_end=lambda: sink.end(None),
            pts_origin=time.monotonic(),
            name=f"copilot-screen-{channel.id}",
        )
        return _SamplerHandle(sampler.start())


@hookimpl
def copilot_register_sources(register, settings):
    register(DisplaySource(settings))
