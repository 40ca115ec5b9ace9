"""A stream feature made for tests, registered the way a third-party plugin would be: it
counts the frames it gets and says so in a final transcript when flushed, so what a feature
saw can be read back through the public API in either mode."""

from __future__ import annotations

from copilot import hookimpl
from copilot.ids import new_id


class RecorderRun:
    def __init__(self, stream, options: dict) -> None:
        self.id = new_id("rec")
        self.stream = stream
        self.options = options
        self.pts: list[float] = []
        self.flushes = 0

    def on_frame(self, frame) -> None:
        self.pts.append(frame.pts)

    async def flush(self) -> None:
        self._say(f"last words after {len(self.pts)} frames")

    async def pause(self) -> None:
        self._say(f"paused after {len(self.pts)} frames")

    def _say(self, text: str) -> None:
        self.flushes += 1
        ordered = self.pts == sorted(self.pts)
        self.stream.emit(
            {
                "type": "transcript",
                "text": text + ("" if ordered else " out of order"),
                "is_final": True,
                "start": self.pts[0] if self.pts else None,
                "end": self.pts[-1] if self.pts else None,
                "language": ",".join(f"{k}={v}" for k, v in sorted(self.options.items())),
            }
        )

    def stop(self) -> None:
        pass


class RecorderFeature:
    name = "transcript"
    categories = frozenset({"mic", "system_audio"})

    def start(self, stream, **options) -> RecorderRun:
        return RecorderRun(stream, options)


class RecorderPlugin:
    @hookimpl
    def copilot_register_features(self, register):
        register("transcript", RecorderFeature())
