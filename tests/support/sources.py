"""Capture sources made for tests: a tone generator and sources that fail on purpose.

They are registered the way a third-party plugin would (`copilot_register_sources`).
"""

from __future__ import annotations

import threading

import numpy as np

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


class ToneHandle(SourceHandle):
    def __init__(
        self,
        sink: FrameSink,
        seconds: float | None,
        pace: float,
        frame_s: float,
        fail_after: float | None = None,
    ):
        self.sink = sink
        self.seconds = seconds
        self.fail_after = fail_after  # seconds of audio, then the device "disappears"
        self.pace = pace  # wall seconds per frame; 0 = as fast as possible
        self.frame_s = frame_s
        self.stopped = threading.Event()
        self.paused = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._run, name="test-tone", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        rate = 16000
        n = int(rate * self.frame_s)
        t = np.arange(n) / rate
        samples = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        pts = 0.0
        while not self.stopped.is_set():
            if self.seconds is not None and pts >= self.seconds:
                self.sink.end()
                return
            if self.fail_after is not None and pts >= self.fail_after:
                self.sink.end(OSError("device unplugged"))
                return
            if not self.paused.is_set():
                self.sink.put(AudioFrame(samples.copy(), rate, pts))
                self.sent += 1
            pts += self.frame_s
            if self.pace:
                self.stopped.wait(self.pace)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(5)

    def pause(self) -> None:
        self.paused.set()

    def resume(self) -> None:
        self.paused.clear()


class ToneSource(CaptureSource):
    """`mic:tone` and `system_audio:tone`: a 440 Hz sine. Options: seconds, pace, frame_s,
    fail_after (the device fails after that many seconds of audio)."""

    name = "test-tone"
    kinds = ("mic", "system_audio")

    def __init__(self) -> None:
        self.handles: list[ToneHandle] = []

    def probe(self, kind: str) -> Permission:
        return Permission(kind, True, "synthetic tone")

    def list_channels(self) -> list[ChannelInfo]:
        return [
            ChannelInfo("mic:tone", "mic", "Test tone mic", self.name, is_default=True),
            ChannelInfo("system_audio:tone", "system_audio", "Test tone loopback", self.name),
        ]

    def open(self, channel: ChannelInfo, request: ChannelRequest, sink: FrameSink) -> SourceHandle:
        opts = request.options
        handle = ToneHandle(
            sink,
            opts.get("seconds"),
            opts.get("pace", 0.02),
            opts.get("frame_s", 0.02),
            opts.get("fail_after"),
        )
        self.handles.append(handle)
        return handle


class NullHandle(SourceHandle):
    def stop(self) -> None:
        pass


class FakeDisplaySource(CaptureSource):
    """`display:1`: opens fine and sends nothing (for stream-category tests)."""

    name = "test-display"
    kinds = ("display",)

    def probe(self, kind: str) -> Permission:
        return Permission(kind, False, "no display: this is a test source")

    def list_channels(self) -> list[ChannelInfo]:
        return [ChannelInfo("display:1", "display", "Test display", self.name, True, {"w": 64})]

    def open(self, channel, request, sink) -> SourceHandle:
        return NullHandle()


class BrokenSource(CaptureSource):
    """`mic:broken`: fails when opened, like a device that disappears."""

    name = "test-broken"
    kinds = ("mic",)

    def probe(self, kind: str) -> Permission:
        return Permission(kind, False, "the broken device is unplugged")

    def list_channels(self) -> list[ChannelInfo]:
        return [ChannelInfo("mic:broken", "mic", "Broken mic", self.name)]

    def open(self, channel, request, sink) -> SourceHandle:
        raise OSError("device unplugged")


class GarbledSource(CaptureSource):
    """`mic:garbled`: a few tone frames, one thing that is not a frame, more frames, the end
    (a buggy third-party source)."""

    name = "test-garbled"
    kinds = ("mic",)

    def probe(self, kind: str) -> Permission:
        return Permission(kind, True, "a buggy source")

    def list_channels(self) -> list[ChannelInfo]:
        return [ChannelInfo("mic:garbled", "mic", "Garbled mic", self.name)]

    def open(self, channel, request, sink) -> SourceHandle:
        def run() -> None:
            samples = np.zeros(320, np.float32)
            for i in range(10):
                sink.put(AudioFrame(samples, 16000, i * 0.02), wait=True)
                if i == 4:
                    sink.put({"not": "a frame"}, wait=True)
            sink.end()

        threading.Thread(target=run, name="test-garbled", daemon=True).start()
        return NullHandle()


class TestSourcesPlugin:
    def __init__(self) -> None:
        self.tone = ToneSource()

    @hookimpl
    def copilot_register_sources(self, register):
        register(self.tone)
        register(FakeDisplaySource())
        register(BrokenSource())
        register(GarbledSource())
