"""What `search()` returns, embedded or remote: `ReplayHit`, a hit you can replay.

It reads every field of `copilot.search.models.SearchHit` (id, text, start, end,
search_score, type, channel, speaker, session_id, rtstream_id, semantic_score,
keyword_score) and cuts its moment out of the session's recording with `export_clip()` or
plays it with `play()`. Where the recording is — this machine's `$COPILOT_HOME`, or a
`copilot serve` backend it downloads from — is the `Clips` it was made with.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Protocol

from copilot.search.models import SearchHit

FIELDS = tuple(f.name for f in fields(SearchHit))


class Clips(Protocol):
    """A session's recording, wherever it is kept."""

    def export_clip(
        self,
        session_id: str,
        start: float,
        end: float,
        path: str | Path,
        *,
        pad: float = 2.0,
        channel: str | None = None,
    ) -> Any: ...

    def cut(self, session_id: str, start: float, end: float, channel: str | None = None) -> Any:
        """Mixed (or one channel's) 16 kHz mono samples for session times [start, end]."""


class ReplayHit:
    def __init__(self, hit: SearchHit, clips: Clips) -> None:
        self._hit = hit
        self._clips = clips

    @classmethod
    def from_dict(cls, data: dict[str, Any], clips: Clips) -> ReplayHit:
        """From a hit's JSON (`to_dict()`); fields this version does not know are ignored."""
        return cls(SearchHit(**{k: data[k] for k in FIELDS if k in data}), clips)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._hit, name)

    def __repr__(self) -> str:
        return f"<ReplayHit {self.search_score:.2f} {self.start:.1f}-{self.end:.1f} {self.text!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReplayHit) and other._hit == self._hit

    def __hash__(self) -> int:
        return hash(self._hit)

    def to_dict(self) -> dict[str, Any]:
        return self._hit.to_dict()

    def export_clip(self, path: str | Path, pad: float = 2.0, channel: str | None = None):
        """Write this moment's audio (all channels mixed, or one) as WAV, and the keyframe
        shown then beside it; returns a `copilot.recordings.Clip`."""
        return self._clips.export_clip(
            self.session_id, self.start, self.end, path, pad=pad, channel=channel
        )

    def play(self, pad: float = 1.0, channel: str | None = None) -> None:
        from copilot.recordings import play

        play(self._clips.cut(self.session_id, self.start - pad, self.end + pad, channel))
