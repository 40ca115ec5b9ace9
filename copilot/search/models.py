"""Plain data shapes of the search index: what goes in (Segment) and what comes out (SearchHit).

Kept free of heavy imports so the runtime can build segments without loading Chroma.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

#: Metadata fields every segment carries (Chroma and the keyword table store all of them).
METADATA_FIELDS = ("session_id", "rtstream_id", "channel", "speaker", "type", "start", "end")
#: Fields a search may filter on by equality (or membership, with a list of values).
FILTER_FIELDS = ("session_id", "rtstream_id", "channel", "speaker", "type")


@dataclass(frozen=True)
class Segment:
    """One searchable piece of a session: a final transcript line, an audio or visual index."""

    id: str
    text: str
    session_id: str
    rtstream_id: str = ""
    channel: str = ""
    speaker: str = ""
    type: str = "transcript"
    start: float = 0.0
    end: float = 0.0

    @classmethod
    def coerce(cls, value: Segment | Mapping[str, Any]) -> Segment:
        """Accept a Segment or a mapping (extra keys ignored, None read as empty)."""
        if isinstance(value, Segment):
            return value
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in value.items() if k in names and v is not None}
        return cls(**kwargs)

    def metadata(self) -> dict[str, Any]:
        """Chroma-safe metadata (no None values)."""
        return {
            "session_id": self.session_id,
            "rtstream_id": self.rtstream_id or "",
            "channel": self.channel or "",
            "speaker": self.speaker or "",
            "type": self.type or "",
            "start": float(self.start),
            "end": float(self.end),
        }


@dataclass(frozen=True)
class SearchHit:
    """One result: where it is (session, rtstream, start/end seconds) and how well it matched.

    ``search_score`` is in 0..1, higher is better: a weighted sum of the cosine similarity
    (``semantic_score``) and the IDF-weighted share of query terms the text contains
    (``keyword_score``).
    """

    id: str
    text: str
    start: float
    end: float
    search_score: float
    type: str
    channel: str
    speaker: str
    session_id: str
    rtstream_id: str
    semantic_score: float = 0.0
    keyword_score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
