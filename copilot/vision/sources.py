"""The frame-source contract the sampler reads from, and `open_source` for `--display SRC`.

A source has `live` (True: the screen now, time is the wall clock; False: a replay timeline),
`id`, `open()`, `read(t) -> ndarray | None` (None = ended), `to_rgb(raw)`, `windows()` (a
`WindowSnapshot` or None) and `close()`. All calls happen on the sampler thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class FrameSource(Protocol):
    live: bool

    @property
    def id(self) -> str: ...

    def open(self) -> None: ...

    def read(self, t: float) -> np.ndarray | None: ...

    def to_rgb(self, raw: np.ndarray) -> np.ndarray: ...

    def windows(self): ...

    def close(self) -> None: ...


def open_source(spec: str) -> FrameSource:
    """'display:1' / 'primary' -> live display; a folder -> image replay; a file -> video replay.

    Nothing is opened yet (displays open on the sampler thread); replay input is checked now so
    a typo fails fast with `ReplayError`.
    """
    from copilot.vision.displays import DisplaySource
    from copilot.vision.replay import ImageFolderSource, ReplayError, VideoSource

    text = str(spec).strip()
    if text.startswith("display:") or text in ("primary", "default") or text.isdigit():
        return DisplaySource(text)
    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path)
    if path.is_file():
        return VideoSource(path)
    raise ReplayError(f"display source not found: {spec!r} (use display:N, a folder or a video)")
