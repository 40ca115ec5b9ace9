"""Frames a channel could not use (not encodable for the wire, or not a frame at all).

Each is counted; the first is reported at once and later ones at most once a second, so a
source that breaks on every frame produces a handful of events, not thousands. A channel that
lost frames does not end "normally": `summary()` is the reason its end says so.
"""

from __future__ import annotations

import time

REPORT_EVERY_S = 1.0


class FrameErrors:
    def __init__(self, what: str = "used") -> None:
        self.what = what  # "sent" on a capture client, "used" in the runtime
        self.count = 0
        self.first: str | None = None
        self._unreported = 0
        self._last_report = float("-inf")

    def add(self, exc: BaseException) -> str | None:
        """Count one lost frame; the text to report now, or None (reported later)."""
        text = f"{type(exc).__name__}: {exc}"[:300]
        self.count += 1
        self._unreported += 1
        self.first = self.first or text
        now = time.monotonic()
        if now - self._last_report < REPORT_EVERY_S:
            return None
        n, self._unreported, self._last_report = self._unreported, 0, now
        return f"{n} frame{'s' if n > 1 else ''} could not be {self.what}: {text}"

    def summary(self) -> str | None:
        if not self.count:
            return None
        return (
            f"{self.count} frame{'s' if self.count > 1 else ''} could not be {self.what}"
            f" (first: {self.first})"
        )
