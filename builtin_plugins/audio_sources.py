"""Builtin plugin: audio capture sources — soundcard devices and audio files.

`mic:default`, `system_audio:default` and one channel per device come from soundcard
(PulseAudio/PipeWire). A file is a channel too: `{"channel_id": "mic:file", "path": ...,
"speed": 1 | "max"}` or simply `"mic:/path/to/audio.flac"`; it is replayed at real-time pace
(or as fast as possible) and converted to 16 kHz mono.
"""

from __future__ import annotations

import os
from pathlib import Path

from copilot import hookimpl
from copilot.capture.frames import AudioFrame
from copilot.capture.sources import (
    CaptureSource,
    ChannelInfo,
    ChannelRequest,
    FrameSink,
    Permission,
    SourceHandle,
)

RATE = 16000
AUDIO_KINDS = ("mic", "system_audio")


def _put(sink: FrameSink, wait: bool = False):
    """Chunks become frames; `wait` for replays faster than real time (lose nothing)."""

    def on_chunk(samples, pts: float) -> None:
        sink.put(AudioFrame(samples, RATE, pts), wait)

    return on_chunk


class _Handle(SourceHandle):
    def __init__(self, worker) -> None:
        self.worker = worker

    def stop(self) -> None:
        self.worker.stop()


class SoundcardSource(CaptureSource):
    name = "soundcard"
    kinds = AUDIO_KINDS

    def _devices(self):
        from copilot.audio.devices import list_devices

        return list_devices()

    def probe(self, kind: str) -> Permission:
        from copilot.audio.devices import AudioServerUnavailable

        want = "microphone" if kind == "mic" else "system_audio"
        try:
            devices = [d for d in self._devices() if d.kind == want]
        except AudioServerUnavailable as exc:
            return Permission(kind, False, str(exc))
        if not devices:
            return Permission(kind, False, f"the audio server reports no {want} device")
        return Permission(kind, True, f"{len(devices)} {want} device(s)")

    def list_channels(self) -> list[ChannelInfo]:
        out = []
        for d in self._devices():
            kind = "mic" if d.kind == "microphone" else "system_audio"
            details = {"device_id": d.id, "channels": d.channels}
            if d.is_default:
                out.append(ChannelInfo(f"{kind}:default", kind, d.name, self.name, True, details))
            out.append(ChannelInfo(f"{kind}:{d.id}", kind, d.name, self.name, False, details))
        return out

    def resolve(self, request: ChannelRequest) -> ChannelInfo | None:
        if request.options.get("path") or _file_of(request):
            return None
        from copilot.audio.devices import AudioServerUnavailable

        try:
            return super().resolve(request)
        except AudioServerUnavailable:
            return None

    def open(self, channel: ChannelInfo, request: ChannelRequest, sink: FrameSink) -> SourceHandle:
        from copilot.audio.devices import DeviceRecorder, find_device

        device = find_device(channel.details["device_id"])
        errors: list[BaseException] = []
        rec = DeviceRecorder(device, _put(sink), on_error=lambda e: (errors.append(e), sink.end(e)))
        rec.start()
        if errors:
            raise errors[0]
        return _Handle(rec)


def _file_of(request: ChannelRequest) -> str | None:
    """`mic:/path/x.wav` → the path when the part after the kind names an existing file."""
    rest = request.channel_id.split(":", 1)[1] if ":" in request.channel_id else ""
    if rest and rest != "file" and (os.sep in rest or Path(rest).suffix) and Path(rest).exists():
        return rest
    return None


class AudioFileSource(CaptureSource):
    name = "audio-file"
    kinds = AUDIO_KINDS

    def probe(self, kind: str) -> Permission:
        return Permission(kind, False, "audio files are replayed, not captured live")

    def list_channels(self) -> list[ChannelInfo]:
        return []

    def resolve(self, request: ChannelRequest) -> ChannelInfo | None:
        path = request.options.get("path") or _file_of(request)
        if not path:
            return None
        from copilot.audio.file_reader import parse_speed

        speed = parse_speed(request.options.get("speed", 1.0))  # a bad speed fails here
        if not Path(path).is_file():
            raise FileNotFoundError(f"audio file {path!r} does not exist")
        kind = request.kind
        details = {"path": str(Path(path).resolve()), "realtime": speed is not None}
        return ChannelInfo(request.channel_id, kind, Path(path).name, self.name, False, details)

    def open(self, channel: ChannelInfo, request: ChannelRequest, sink: FrameSink) -> SourceHandle:
        from copilot.audio.file_reader import FileReplayer

        replayer = FileReplayer(
            channel.details["path"],
            _put(sink, wait=not channel.details["realtime"]),
            sink.end,
            speed=request.options.get("speed", 1.0),
        )
        return _Handle(replayer.start())


@hookimpl
def copilot_register_sources(register):
    register(SoundcardSource())
    register(AudioFileSource())
