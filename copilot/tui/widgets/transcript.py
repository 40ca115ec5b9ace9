"""Live transcript: finals in time order with speaker, one partial line per channel.

A revised final (same ``utterance_id``, higher ``revision``: the refine pass) replaces its
line's text in place (``copilot.text.revisions``); it never adds a second line.
"""

from __future__ import annotations

import bisect
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from copilot.eventfmt import clock
from copilot.text.revisions import supersedes, utterance_key


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
    """One final utterance: time, speaker, text (its newest revision)."""

    def __init__(self, ev: Any, masked: bool = False) -> None:
        self.masked = masked
        super().__init__(self._render_line(ev), classes="final")
        self.event = ev
        self.start = ev.start or 0.0
        self.speaker = who(ev)
        self.channel = ev.channel or ""
        self.utterance = ev.text

    def _render_line(self, ev: Any) -> Text:
        speaker = who(ev)
        text = Text.assemble(
            (stamp(ev.start, self.masked), "dim"),
            " ",
            (f"{speaker:>4}", SPEAKER_STYLE.get(speaker, "bold")),
        )
        text.append(f"  {ev.text}")
        return text

    def revise(self, ev: Any) -> None:
        """Show a newer revision of this utterance in place."""
        self.event = ev
        self.utterance = ev.text
        self.update(self._render_line(ev))


class PartialLine(Static):
    """The words being heard right now on one channel, updated in place."""


class TranscriptView(VerticalScroll):
    """Finals sorted by start time; partials at the bottom until their final arrives."""

    def __init__(self, masked: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.masked = masked
        self.finals: list[FinalLine] = []
        self.by_utterance: dict[Any, FinalLine] = {}
        self.partials: dict[str, PartialLine] = {}
        self.follow = True

    def add_final(self, ev: Any) -> None:
        """A final: a new line in time order, or a revision of a line already shown."""
        known = self.by_utterance.get(utterance_key(ev))
        if known is not None:
            if supersedes(ev, known.event):
                known.revise(ev)
            return
        line = FinalLine(ev, self.masked)
        self.by_utterance[utterance_key(ev)] = line
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
