"""RTStream features (transcript, audio/visual indexing, search) as pluggable engines.

Issues that build a feature register it through `copilot_register_features`; until one is
registered, the RTStream method says so with `NotEnabled` instead of silently doing nothing.
"""

from __future__ import annotations

from typing import Any, Protocol

FEATURE_NAMES = ("transcript", "audio_index", "visual_index", "search")

# what each RTStream method needs, for error messages
METHOD_FEATURE = {
    "start_transcript": "transcript",
    "index_audio": "audio_index",
    "index_visuals": "visual_index",
    "search": "search",
}

INSTALL_HINT = {
    "transcript": "the live transcript engine (faster-whisper) is not installed or not built yet",
    "audio_index": "audio indexing is not installed or not built yet",
    "visual_index": "visual indexing (screen OCR / vision model) is not installed or built yet",
    "search": "replay search (the replay_search plugin with Chroma) is not installed or built yet",
}


class FeatureRun(Protocol):
    """A feature running on one stream. `on_frame` runs on the loop and must be cheap."""

    def on_frame(self, frame: Any) -> None: ...

    async def flush(self) -> None:
        """Emit whatever is pending (e.g. the last utterance): called once, when the channel
        ends or the session stops; no frames follow. A run may also have `async pause()`:
        the channel paused, emit what is pending and go on after resume."""

    def stop(self) -> None: ...


class StreamFeature(Protocol):
    name: str
    categories: frozenset[str]  # stream categories it works on: mic, system_audio, display

    def start(self, stream: Any, **options: Any) -> FeatureRun: ...


class SearchFeature(Protocol):
    name: str

    def search(self, query: str, **scope: Any) -> list[Any]: ...
