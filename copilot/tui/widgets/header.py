"""Header: session id and state, channels with level meters, elapsed time and ASR lag."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.widgets import Static

BLOCKS = " ▁▂▃▄▅▆▇█"


def meter(level_db: float | None, width: int = 8) -> str:
    """-60 dB … 0 dB as a bar of block characters."""
    frac = 0.0 if level_db is None else min(max((level_db + 60.0) / 60.0, 0.0), 1.0)
    if frac == 0.0:
        return "·" * width
    full = frac * width
    return "".join(BLOCKS[min(8, max(0, round((full - i) * 8)))] for i in range(width))


class SessionHeader(Static):
    """Two lines: identity/state/time, then one meter per channel."""

    def __init__(self, masked: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.masked = masked
        self.session_id: str | None = None
        self.state = "idle"
        self.started_at: float | None = None
        self.channels: dict[str, dict[str, Any]] = {}
        self.heard: dict[str, float] = {}  # channel -> end of its latest final transcript
        self.note = ""

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh_view)
        self.refresh_view()

    def set_state(self, state: str) -> None:
        self.state = state
        if state == "active" and self.started_at is None:
            self.started_at = time.monotonic()
        self.refresh_view()

    def heard_until(self, channel: str, end: float) -> None:
        self.heard[channel] = max(end, self.heard.get(channel, 0.0))

    def elapsed(self) -> str:
        if self.masked or self.started_at is None:
            return "--:--"
        m, s = divmod(int(time.monotonic() - self.started_at), 60)
        return f"{m:02d}:{s:02d}"

    def lag(self) -> str:
        """How far the transcript trails the captured audio (freshest channel: a silent
        channel's last words are old without any lag)."""
        lags = [
            st.get("media_seconds", 0.0) - self.heard[ch]
            for ch, st in self.channels.items()
            if ch in self.heard
        ]
        if self.masked or not lags or self.state != "active":
            return "–"
        return f"{max(0.0, min(lags)):.1f}s"

    def refresh_view(self) -> None:
        sid = "cap-…" if self.masked and self.session_id else (self.session_id or "no session")
        top = Text.assemble(
            ("copilot ", "bold"),
            (sid, "cyan"),
            "  ",
            (self.state, "bold green" if self.state == "active" else "bold yellow"),
            f"  elapsed {self.elapsed()}  ASR lag {self.lag()}",
        )
        if self.note:
            top.append(f"  {self.note}", "dim")
        row = Text()
        for ch, st in sorted(self.channels.items()):
            level = None if self.masked else st.get("level_db")
            paused = st.get("paused")
            row.append(f"{ch} ", "bold red" if paused else "bold")
            row.append("paused" if paused else meter(level), "red" if paused else "green")
            row.append("   ")
        self.update(Text("\n").join([top, row or Text("no channels", "dim")]))
