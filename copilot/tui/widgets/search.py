"""Search screen (`/`): results as you type, searched in a thread worker, debounced."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from copilot.tui.widgets.transcript import stamp

DEBOUNCE = 0.25


def hit_text(hit: Any, masked: bool = False) -> Text:
    first = " ".join(hit.text.split("\n")[0].split())
    kind = {"transcript": "said", "visual_index": "shown", "audio_index": "topic"}
    return Text.assemble(
        (stamp(hit.start, masked) if masked else f"{stamp(hit.start)}–{stamp(hit.end)}", "bold"),
        (f"  {hit.search_score:.2f}", "dim"),
        (f"  {kind.get(hit.type, hit.type):<5} ", "dim"),
        (f"{hit.channel:<18} ", "cyan"),
        first[:76] + ("…" if len(first) > 76 else ""),
    )


class SearchScreen(Screen):
    """Type to search what was said and shown; Enter jumps there and exports the clip."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "back"),
        Binding("down", "focus_hits", "results", show=False),
    ]

    def __init__(self, search, masked: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.masked = masked
        self.search_fn = search
        self.hits: list[Any] = []
        self._timer = None
        self.searches = 0

    def compose(self) -> ComposeResult:
        yield Static("Search what was said and shown", classes="title")
        yield Input(placeholder="e.g. budget, password, login error…", id="query")
        yield OptionList(id="hits")
        yield Static("", id="search-status")
        yield Footer()

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        query = event.value.strip()
        if query:
            self._timer = self.set_timer(DEBOUNCE, lambda: self.run_search(query))

    @on(Input.Submitted, "#query")
    def action_focus_hits(self) -> None:
        hits = self.query_one("#hits", OptionList)
        if self.hits:
            hits.focus()
            hits.highlighted = 0

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        try:
            hits = self.search_fn(query)
        except Exception as exc:  # the index may still be opening, or the query is odd
            self.app.call_from_thread(self.show_status, f"search failed: {exc}")
            return
        self.app.call_from_thread(self.show_hits, query, hits)

    def show_status(self, text: str) -> None:
        self.query_one("#search-status", Static).update(text)

    def show_hits(self, query: str, hits: list[Any]) -> None:
        self.searches += 1
        self.hits = hits
        box = self.query_one("#hits", OptionList)
        box.clear_options()
        box.add_options([Option(hit_text(h, self.masked)) for h in hits])
        self.show_status(f"{len(hits)} hits for {query!r} · ↓ then Enter: jump + export clip")

    @on(OptionList.OptionSelected, "#hits")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[event.option_index])
