"""Group final transcript into batches for `index_audio`: by words, sentences or seconds.

`batch_config` is the shape users know: {"type": "word"|"sentence"|"time", "value": n}. A
batch closes at the first utterance that reaches n; `flush()` returns what is left at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from copilot.intelligence.textutil import split_sentences

DEFAULT_BATCH = {"type": "time", "value": 30}
LIMITS = {"word": (5, 5000), "sentence": (1, 500), "time": (2, 3600)}


@dataclass
class Batch:
    texts: list[str] = field(default_factory=list)
    start: float | None = None
    end: float | None = None

    @property
    def text(self) -> str:
        return " ".join(self.texts)

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def sentences(self) -> int:
        return len(split_sentences(self.text))


@dataclass(frozen=True)
class BatchConfig:
    type: str = "time"
    value: float = 30

    @classmethod
    def parse(cls, raw: dict | None) -> BatchConfig:
        """Validate a user's batch_config (errors name the problem); None → the default."""
        raw = dict(DEFAULT_BATCH if raw is None else raw)
        kind = raw.pop("type", None)
        value = raw.pop("value", None)
        if raw:
            raise ValueError(f"batch_config: unknown keys {', '.join(sorted(raw))}")
        if kind not in LIMITS:
            raise ValueError(f"batch_config type must be word, sentence or time, not {kind!r}")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"batch_config value must be a number, not {value!r}")
        lo, hi = LIMITS[kind]
        if not lo <= value <= hi:
            raise ValueError(f"batch_config value for {kind!r} must be in [{lo}, {hi}]")
        return cls(kind, value)


class Batcher:
    def __init__(self, config: BatchConfig | dict | None = None) -> None:
        self.config = config if isinstance(config, BatchConfig) else BatchConfig.parse(config)
        self.current = Batch()

    def _full(self) -> bool:
        b, c = self.current, self.config
        if c.type == "word":
            return b.words >= c.value
        if c.type == "sentence":
            return b.sentences >= c.value
        return b.start is not None and b.end is not None and b.end - b.start >= c.value

    def add(self, text: str, start: float | None, end: float | None) -> Batch | None:
        """Add one final utterance; returns the batch it completed, if any."""
        text = text.strip()
        if not text:
            return None
        b = self.current
        b.texts.append(text)
        b.start = start if b.start is None else b.start
        b.end = end if end is not None else b.end
        if self._full():
            self.current = Batch()
            return b
        return None

    def flush(self) -> Batch | None:
        b, self.current = self.current, Batch()
        return b if b.texts else None
