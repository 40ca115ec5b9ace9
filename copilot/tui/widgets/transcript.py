"""Live transcript: finals in time order with speaker, one partial line per channel."""

from __future__ import annotations

import bisect
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from copilot.eventfmt import clock


def stamp(seconds: float | None, masked: bool = False) -> str:
    """mm:ss.s; masked (snapshots): whole seconds, which replay jitter does not change."""
    if not masked or seconds is None:
        return clock(seconds)
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}  "


SPEAKER_STYLE = {"me": "bold cyan", "them": "bold magenta"}


def who(ev: Any) -> str:
    return ev.speaker or ("me" if (ev.channel or "").startswith("mic") else "them")


class FinalLine(Static):
    """One final utterance: time, speaker, text."""

    def __init__(self, ev: Any, masked: bool = False) -> None:
        speaker = who(ev)
        text = Text.assemble(
            (stamp(ev.start, masked), "dim"),
            " ",
            (f"{speaker:>4}", SPEAKER_STYLE.get(speaker, "bold")),
        )
        text.append(f"  {ev.text}")
        super().__init__(text, classes="final")
        self.start = ev.start or 0.0
        self.speaker = speaker
        self.channel = ev.channel or ""
        self.utterance = ev.text


class PartialLine(Static):
    """The words being heard right now on one channel, updated in place."""


class TranscriptView(VerticalScroll):
    """Finals sorted by start time; partials at the bottom until their final arrives."""

    def __init__(self, masked: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.masked = masked
        self.finals: list[FinalLine] = []
        self.partials: dict[str, PartialLine] = {}
        self.follow = True

    def add_final(self, ev: Any) -> None:
        line = FinalLine(ev, self.masked)
        starts = [f.start for f in self.finals]
        i = bisect.bisect_right(starts, line.start)
        if i < len(self.finals):
            self.mount(line, before=self.finals[i])
        elif self.partials:
            self.mount(line, before=next(iter(self.partials.values())))
        else:
            self.mount(line)
        self.finals.insert(i, line)
        self.clear_partial(ev.channel or "")
        if self.follow:
            self.scroll_end(animate=False)

    def set_partial(self, ev: Any) -> None:
        channel = ev.channel or ""
        text = Text.assemble(("  …  ", "dim"), (f"{who(ev):>4}", "dim bold"), f"  {ev.text}")
        text.stylize("italic dim")
        line = self.partials.get(channel)
        if line is None:
            line = self.partials[channel] = PartialLine(text, classes="partial")
            self.mount(line)
        else:
            line.update(text)
        if self.follow:
            self.scroll_end(animate=False)

    def clear_partial(self, channel: str) -> None:
        line = self.partials.pop(channel, None)
        if line is not None:
            line.remove()

    def jump_to(self, start: float) -> FinalLine | None:
        """Scroll to and highlight the final line nearest `start`; stop following live."""
        if not self.finals:
            return None
        line = min(self.finals, key=lambda f: abs(f.start - start))
        for f in self.finals:
            f.remove_class("jumped")
        line.add_class("jumped")
        self.follow = False
        self.scroll_to_widget(line, animate=False, top=True)
        return line
