"""Replay sources for tests and demos: a folder of timestamped images, or a video file.

Image folder naming: each file's stem is the time in seconds (decimal point allowed, leading
zeros welcome so that names sort), at which that image starts being "on screen":
`0000.png`, `0003.5.png` (shown from 3.5 s), `0012.25.jpg`. An optional prefix before the last
underscore is ignored (`frame_0003.5.png`). Supported: .png .jpg .jpeg .webp .bmp. The image
stays on screen until the next one; the replay ends at the last image's time plus `hold`.

A replay source is "not live": the sampler asks for the frame shown at source time `t`, so it
can run at real-time pace or as fast as possible (see `Sampler(pace=...)`). Frames are RGB
H×W×3 uint8. Missing, empty, badly named or corrupt input raises `ReplayError` with the path.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".gif")
_STEM = re.compile(r"^(?:.*_)?(\d+(?:\.\d+)?)$")


class ReplayError(RuntimeError):
    """Replay input is missing, empty, misnamed or cannot be decoded."""


def parse_image_time(name: str) -> float | None:
    """'0003.5.png' -> 3.5; None when the name does not follow the convention."""
    path = Path(name)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    match = _STEM.match(path.stem)
    return float(match.group(1)) if match else None


def load_rgb(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ReplayError(f"cannot decode image {path}: {exc}") from None


@dataclass(frozen=True)
class TimedImage:
    t: float
    path: Path


class ImageFolderSource:
    """Images named by time (see module doc); decodes one image at a time, when it is shown."""

    live = False

    def __init__(self, folder: str | Path, hold: float = 0.0):
        self.folder = Path(folder)
        self.hold = float(hold)
        self.images = self._scan()
        self._times = [im.t for im in self.images]
        self._cached: tuple[int, np.ndarray] | None = None

    @property
    def id(self) -> str:
        return f"replay:{self.folder}"

    def _scan(self) -> list[TimedImage]:
        if not self.folder.exists():
            raise ReplayError(f"replay folder not found: {self.folder}")
        if not self.folder.is_dir():
            raise ReplayError(f"replay source is not a folder: {self.folder}")
        images, ignored = [], []
        for path in self.folder.iterdir():
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            t = parse_image_time(path.name)
            if t is None:
                ignored.append(path.name)
            else:
                images.append(TimedImage(t, path))
        if not images:
            hint = f" (names must be seconds, e.g. 0003.5.png; ignored: {ignored[:3]})"
            raise ReplayError(f"no timestamped images in {self.folder}" + (hint if ignored else ""))
        images.sort(key=lambda im: im.t)
        return images

    @property
    def duration(self) -> float:
        return self.images[-1].t + self.hold

    def open(self) -> None:
        pass

    def read(self, t: float) -> np.ndarray | None:
        """The image on screen at `t` seconds (the first image before its time), None after end."""
        if t > self.duration + 1e-9:
            return None
        i = max(0, bisect.bisect_right(self._times, t + 1e-9) - 1)
        if self._cached is None or self._cached[0] != i:
            self._cached = (i, load_rgb(self.images[i].path))
        return self._cached[1]

    def to_rgb(self, raw: np.ndarray) -> np.ndarray:
        return raw

    def windows(self):
        return None

    def close(self) -> None:
        self._cached = None


class VideoSource:
    """A video file decoded with PyAV, sequentially; `read(t)` returns the frame shown at `t`.

    Times must not go backwards (a sampler only moves forward); `t` is seconds from the first
    frame.
    """

    live = False

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise ReplayError(f"replay video not found: {self.path}")
        if not self.path.is_file():
            raise ReplayError(f"replay video is not a file: {self.path}")
        self._container = None
        self._frames = None
        self._current: tuple[float, np.ndarray] | None = None
        self._next: tuple[float, np.ndarray] | None = None
        self._start: float | None = None
        self._ended = False
        self.duration: float | None = None

    @property
    def id(self) -> str:
        return f"replay:{self.path}"

    def open(self) -> None:
        if self._container is not None:
            return
        import av

        try:
            self._container = av.open(str(self.path))
            stream = self._container.streams.video[0]
        except (av.FFmpegError, IndexError, OSError) as exc:
            self.close()
            raise ReplayError(f"cannot open video {self.path}: {exc}") from None
        stream.thread_type = "AUTO"
        if stream.duration is not None and stream.time_base is not None:
            self.duration = float(stream.duration * stream.time_base)
        self._frames = self._container.decode(stream)
        self._next = self._decode_next()
        if self._next is None:
            self.close()
            raise ReplayError(f"no decodable video frames in {self.path}")

    def _decode_next(self) -> tuple[float, np.ndarray] | None:
        import av

        try:
            frame = next(self._frames)
        except StopIteration:
            return None
        except (av.FFmpegError, OSError) as exc:
            raise ReplayError(f"corrupt video {self.path}: {exc}") from None
        t = float(frame.time) if frame.time is not None else 0.0
        if self._start is None:
            self._start = t
        return (t - self._start, frame.to_ndarray(format="rgb24"))

    def read(self, t: float) -> np.ndarray | None:
        if self._container is None:
            self.open()
        while self._next is not None and self._next[0] <= t + 1e-9:
            self._current, self._next = self._next, self._decode_next()
        if self._next is None:
            if self._ended:
                return None
            self._ended = True  # the last frame is shown once more, then the replay ends
        if self._current is None:
            self._current = self._next
        return self._current[1]

    def to_rgb(self, raw: np.ndarray) -> np.ndarray:
        return raw

    def windows(self):
        return None

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = None
