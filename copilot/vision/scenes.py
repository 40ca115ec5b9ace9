"""What the visual indexer hands on: batch settings and one result per scene (and its end).

A scene is what the screen showed from one change to the next one not in its batch. Each
scene gives two results with the same `scene_id`: revision 0 once its frames are read (end =
as far as the scene has been seen so far, always after its start), revision 1 when the screen
changed again or the stream stopped (end = that moment; the same text).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class BatchConfig:
    type: str = "time"
    value: float = 2.0
    frame_count: int = 1

    @classmethod
    def parse(cls, config: dict | BatchConfig | None) -> BatchConfig:
        if config is None:
            return cls()
        if isinstance(config, BatchConfig):
            return config
        unknown = set(config) - {"type", "value", "frame_count"}
        if unknown:
            raise ValueError(f"unknown batch_config keys: {sorted(unknown)}")
        out = cls(
            type=str(config.get("type", "time")),
            value=float(config.get("value", cls.value)),
            frame_count=int(config.get("frame_count", cls.frame_count)),
        )
        if out.type != "time":
            raise ValueError(f"batch_config type must be 'time', not {out.type!r}")
        if out.value <= 0 or out.frame_count < 1:
            raise ValueError("batch_config needs value > 0 and frame_count >= 1")
        return out


@dataclass(frozen=True)
class VisualIndexResult:
    """One scene (revision 0) or its end (revision 1); `to_event()` gives the index event."""

    text: str
    start: float
    end: float
    keyframe_paths: tuple[str, ...]
    ocr_text: str
    scene_id: str = ""
    revision: int = 0
    kind: str = ""
    window_title: str = ""
    window_app: str = ""
    engine: str = "ocr"
    prompt: str | None = None  # the prompt the text answers (None: the offline describer)
    frame_count: int = 1
    regions: tuple = ()  # SecretRegion: detected secrets and where they were
    error: str | None = None
    clear_ocr_text: str | None = None  # ocr_text before redaction: memory only, not an event field

    @property
    def ended(self) -> bool:
        return self.revision > 0

    def ending(self, end: float) -> VisualIndexResult:
        """This scene's end update."""
        return replace(self, end=end, revision=self.revision + 1, error=None)

    def to_event(self) -> dict:
        return {
            "type": "index",
            "index_type": "visual",
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "prompt": self.prompt,
            "engine": self.engine,
            "ocr_text": self.ocr_text or None,
            "scene_id": self.scene_id or None,
            "revision": self.revision,
            "sensitive_regions": [r.to_dict() for r in self.regions],
            "keyframes": list(self.keyframe_paths),
        }
