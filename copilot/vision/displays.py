"""List and grab X11/macOS/Windows displays through mss, with a clear error when there is none.

mss handles are bound to the thread that made them, so a `DisplaySource` opens its handle lazily
on the first grab (the sampler thread) and must be used and closed from that thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np


class DisplayUnavailable(RuntimeError):
    """No screen can be captured here (no X server, no permission, unknown display id)."""


@dataclass(frozen=True)
class DisplayInfo:
    """One capturable display; `id` is the channel id users see ("display:1", ...)."""

    id: str
    index: int
    name: str
    width: int
    height: int
    left: int
    top: int
    primary: bool


def _hint() -> str:
    if os.name == "posix" and not os.environ.get("DISPLAY") and os.uname().sysname == "Linux":
        return "no X display: set DISPLAY or start Xvfb (e.g. `Xvfb :99 -screen 0 1920x1080x24 &`)"
    return "cannot open the screen (is DISPLAY right, is screen-recording permission granted?)"


def _open_mss():
    try:
        import mss
    except ImportError as exc:  # pragma: no cover - mss is a dependency
        raise DisplayUnavailable("screen capture needs the `mss` package") from exc
    try:
        return mss.MSS()
    except Exception as exc:
        raise DisplayUnavailable(f"{_hint()} ({exc})") from None


def parse_display_id(display: str | int) -> int:
    """'display:2' / '2' / 2 -> 2 (mss monitor index; 1 is the first physical display)."""
    text = str(display).strip()
    if text.startswith("display:"):
        text = text[len("display:") :]
    if text in ("", "primary", "default"):
        return 0  # resolved to the primary display by the caller
    try:
        index = int(text)
    except ValueError:
        msg = f"not a display id: {display!r} (use display:1, display:2, …)"
        raise DisplayUnavailable(msg) from None
    if index < 1:
        raise DisplayUnavailable(f"not a display id: {display!r} (displays count from 1)")
    return index


def _infos(monitors: list[dict]) -> list[DisplayInfo]:
    physical = monitors[1:]
    primary_flags = [bool(m.get("is_primary")) for m in physical]
    if not any(primary_flags) and physical:
        # Xvfb and some drivers flag no primary: the one at the origin is the natural choice.
        origin = [m["left"] == 0 and m["top"] == 0 for m in physical]
        primary_flags = [False] * len(physical)
        primary_flags[origin.index(True) if any(origin) else 0] = True
    return [
        DisplayInfo(
            id=f"display:{i}",
            index=i,
            name=str(m.get("output") or m.get("name") or f"display {i}"),
            width=int(m["width"]),
            height=int(m["height"]),
            left=int(m["left"]),
            top=int(m["top"]),
            primary=flag,
        )
        for i, (m, flag) in enumerate(zip(physical, primary_flags, strict=True), start=1)
    ]


def list_displays() -> list[DisplayInfo]:
    """Every display mss can see, ids `display:1`…; raises DisplayUnavailable with a hint."""
    sct = _open_mss()
    try:
        displays = _infos(list(sct.monitors))
    finally:
        sct.close()
    if not displays:
        raise DisplayUnavailable("the screen server reports no displays")
    return displays


def primary_display() -> DisplayInfo:
    return next(d for d in list_displays() if d.primary)


def bgra_to_rgb(raw: np.ndarray) -> np.ndarray:
    """H×W×4 BGRA (mss layout) -> contiguous H×W×3 RGB uint8."""
    return np.ascontiguousarray(raw[:, :, 2::-1])


class DisplaySource:
    """A live display as a frame source: `read()` returns the current screen (BGRA, no copy).

    Use it from one thread only (mss rule). `read()` returns H×W×4 BGRA; channel 1 is green in
    both BGRA and RGB, which is all the change detector looks at, so only changed frames pay for
    the RGB conversion (`to_rgb`).
    """

    live = True

    def __init__(self, display: str | int = "display:1", windows: bool = True):
        self.requested = display
        self._index = parse_display_id(display)
        self._sct = None
        self._monitor: dict | None = None
        self.info: DisplayInfo | None = None
        self._windows = windows

    @property
    def id(self) -> str:
        return self.info.id if self.info else f"display:{self._index or 'primary'}"

    def open(self) -> None:
        if self._sct is not None:
            return
        sct = _open_mss()
        infos = _infos(list(sct.monitors))
        if self._index == 0:
            self._index = next((d.index for d in infos if d.primary), 1)
        if not 1 <= self._index <= len(infos):
            sct.close()
            known = ", ".join(d.id for d in infos) or "none"
            raise DisplayUnavailable(f"no display:{self._index} (known: {known})")
        self._sct = sct
        self._monitor = sct.monitors[self._index]
        self.info = infos[self._index - 1]

    def read(self, t: float | None = None) -> np.ndarray:
        """The screen now (BGRA view); `t` is ignored for live sources."""
        if self._sct is None:
            self.open()
        try:
            shot = self._sct.grab(self._monitor)
        except Exception as exc:
            raise DisplayUnavailable(f"screen grab failed on {self.id}: {exc}") from None
        return np.frombuffer(shot.bgra, dtype=np.uint8).reshape(shot.height, shot.width, 4)

    def to_rgb(self, raw: np.ndarray) -> np.ndarray:
        return bgra_to_rgb(raw)

    def grab(self) -> np.ndarray:
        """One RGB H×W×3 frame (convenience for tests and one-off captures)."""
        return bgra_to_rgb(self.read())

    def windows(self):
        """Window snapshot in this display's coordinates, or None where the platform can't tell."""
        if not self._windows:
            return None
        from copilot.vision.windows import snapshot

        snap = snapshot()
        if snap is None or self.info is None:
            return snap
        return snap.relative_to(self.info.left, self.info.top)

    def close(self) -> None:
        if self._sct is not None:
            self._sct.close()
            self._sct = None
        if self._windows:
            from copilot.vision import windows

            windows.close()
