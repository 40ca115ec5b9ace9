"""Raw media on the hot path: small dataclasses, never pydantic models.

`pts` is seconds on the channel's own timeline (from the moment it was opened); the runtime
adds the channel's offset from session start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(slots=True)
class AudioFrame:
    samples: np.ndarray  # float32, shape (n,) mono or (n, channels), range [-1, 1]
    sample_rate: int
    pts: float

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(slots=True)
class VideoFrame:
    image: np.ndarray  # uint8 RGB, shape (h, w, 3)
    pts: float
    changed: bool = True
    info: dict[str, Any] = field(default_factory=dict)  # e.g. active window title/app

    @property
    def duration(self) -> float:
        return 0.0


@dataclass(slots=True)
class Tick:
    """A sampling instant with no new frame (the screen did not change): time still moves."""

    pts: float

    @property
    def duration(self) -> float:
        return 0.0
