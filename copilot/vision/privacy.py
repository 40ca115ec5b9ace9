"""Exclusion list for screen capture: frames showing an excluded window never leave the sampler.

Policy (mode="blackout", the default): every visible excluded window's rectangle is painted
black before the frame is compared, stored, OCR'd or sent to a model, and an excluded *active*
window's title/app is removed from the window info, so neither its pixels nor its name leak.
Over-redaction is accepted: a window stacked above an excluded one loses the overlapping part.
When an excluded window is known only by name (no geometry), or with mode="drop", the whole
frame is dropped instead. Rectangles from the previous snapshot are blacked out too, so a window
that moved between the grab and the window query is still covered.

Where the platform can't list windows (no X11, a replay source) the filter cannot see excluded
windows: unknown="allow" (default) passes such frames and logs a warning once; unknown="drop"
drops every frame instead (fail closed).

Patterns match the window title or app (WM_CLASS class or instance), case-insensitively: a
pattern with glob characters (*?[) is a glob over the whole string, anything else a substring.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field

import numpy as np

from copilot.vision.windows import WindowInfo, WindowSnapshot

log = logging.getLogger(__name__)

MODES = ("blackout", "drop")
UNKNOWN = ("allow", "drop")


@dataclass
class PrivacyResult:
    """`frame` is None when the frame must be dropped; `redacted` lists blacked-out rects."""

    frame: np.ndarray | None
    windows: WindowSnapshot | None
    redacted: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def dropped(self) -> bool:
        return self.frame is None


class PrivacyFilter:
    """Apply the exclusion list to a frame and its window snapshot (thread-confined state)."""

    def __init__(
        self,
        exclude: list[str] | tuple[str, ...] = (),
        mode: str = "blackout",
        unknown: str = "allow",
    ):
        if mode not in MODES:
            raise ValueError(f"privacy mode must be one of {MODES}, not {mode!r}")
        if unknown not in UNKNOWN:
            raise ValueError(f"privacy unknown must be one of {UNKNOWN}, not {unknown!r}")
        self.unknown = unknown
        self._warned = False
        self.patterns = [p.strip().lower() for p in exclude if p and p.strip()]
        self.mode = mode
        self._previous: list[tuple[int, int, int, int]] = []

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, window: WindowInfo | None) -> bool:
        if window is None or not self.patterns:
            return False
        fields = [window.title.lower(), window.app.lower(), window.instance.lower()]
        for pat in self.patterns:
            glob = any(c in pat for c in "*?[")
            for value in fields:
                if value and (fnmatch.fnmatchcase(value, pat) if glob else pat in value):
                    return True
        return False

    def apply(self, frame: np.ndarray, windows: WindowSnapshot | None) -> PrivacyResult:
        """Redact (copying the frame, never writing into a caller's buffer) or drop."""
        if not self.patterns:
            return PrivacyResult(frame, windows)
        if windows is None:
            if self.unknown == "drop":
                return PrivacyResult(None, None)
            if not self._warned:
                self._warned = True
                log.warning("window list unavailable: the privacy exclusion list cannot apply")
            return PrivacyResult(frame, windows)
        excluded = [w for w in windows.visible if self.matches(w)]
        active_excluded = self.matches(windows.active)
        if active_excluded and windows.active not in excluded:
            excluded.append(windows.active)
        if not excluded and not self._previous:
            return PrivacyResult(frame, windows)
        if excluded and (self.mode == "drop" or any(w.width <= 0 for w in excluded)):
            self._previous = [w.rect for w in excluded]
            return PrivacyResult(None, None)
        rects = [w.rect for w in excluded]
        out = frame.copy()
        h, w = out.shape[:2]
        painted = []
        for x, y, rw, rh in rects + self._previous:
            x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + rw), min(h, y + rh)
            if x1 > x0 and y1 > y0:
                out[y0:y1, x0:x1] = 0
                painted.append((x0, y0, x1 - x0, y1 - y0))
        self._previous = rects
        clean = WindowSnapshot(
            active=None if active_excluded else windows.active,
            visible=tuple(v for v in windows.visible if not self.matches(v)),
        )
        return PrivacyResult(out, clean, painted)
