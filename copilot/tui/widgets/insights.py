"""Insights: audio/visual index events, highlighted alerts, and the action-item list."""

from __future__ import annotations

import bisect
from datetime import date
from typing import Any

from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from copilot.tui.widgets.transcript import stamp

MAX_INSIGHT = 200  # characters of an index event shown (a screen's description runs longer)


def insight_text(ev: Any, masked: bool = False) -> Text:
    if ev.type == "alert":
        what = ev.kind or ev.label
        body = Text.assemble(("⚠ ALERT ", "bold"), f"{what} ({ev.confidence:.2f}) on {ev.channel}")
        return Text.assemble((stamp(ev.start, masked), "dim"), " ", body)
    tag = "screen" if ev.index_type == "visual" else "audio "
    text = ev.text if len(ev.text) <= MAX_INSIGHT else ev.text[: MAX_INSIGHT - 1] + "…"
    return Text.assemble((stamp(ev.start, masked), "dim"), " ", (tag, "bold blue"), " ", text)


def item_text(ev: Any, masked: bool) -> Text:
    owner = ev.owner or "unassigned"
    due = ""
    if ev.due is not None and ev.due == date.today():
        due = " · due today"  # "after this call": said as today, read as today
    elif ev.due is not None:
        due = f" · due {ev.due:%a}" if masked else f" · due {ev.due:%a} {ev.due.day} {ev.due:%b}"
    return Text.assemble("☐ ", ev.text, (f"  ({owner}{due})", "dim"))


class InsightsPanel(Vertical):
    """Index events and alerts sorted by time; action items (latest per item_id) below."""

    def __init__(self, masked: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.masked = masked
        self.entries: list[tuple[float, str, Static]] = []
        self.items: dict[str, Any] = {}
        self.alerts = 0

    def compose(self):
        yield VerticalScroll(id="insight-list")
        yield Static("Action items", classes="title")
        yield Static("none yet", id="action-items")

    def add(self, ev: Any) -> None:
        if ev.type == "action_item":
            self.items[ev.item_id] = ev
            if getattr(ev, "status", "open") == "withdrawn":  # a revised transcript took it back
                del self.items[ev.item_id]
            items = sorted(self.items.values(), key=lambda e: (e.start or 0.0, e.text))
            body = Text("\n").join(item_text(e, self.masked) for e in items) or "none yet"
            self.query_one("#action-items", Static).update(body)
            return
        if ev.type == "alert" and not ev.triggered:
            return
        if ev.type == "index" and getattr(ev, "revision", 0):
            return  # a scene's end: the same text, already listed
        if ev.type == "index" and ev.index_id == "meeting-summary":
            return  # the running summary is for notes and clients, not a line in this list
        text = insight_text(ev, self.masked)
        widget = Static(text, classes="alert" if ev.type == "alert" else "index")
        self.alerts += ev.type == "alert"
        key = (ev.start or 0.0, text.plain)  # not seq: arrival order varies between runs
        i = bisect.bisect_right([(s, q) for s, q, _ in self.entries], key)
        box = self.query_one("#insight-list", VerticalScroll)
        if i < len(self.entries):
            box.mount(widget, before=self.entries[i][2])
        else:
            box.mount(widget)
        self.entries.insert(i, (key[0], key[1], widget))
        box.scroll_end(animate=False)
