"""Help screen (`?`): what the keys do."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Markdown

HELP = """\
# copilot — keys

| key | action |
|-----|--------|
| `/` | search what was said and shown; Enter jumps there and exports the clip |
| `s` | start a new session / stop the running one |
| `m` | pause / resume the microphone |
| `a` | pause / resume the system audio |
| `d` | pause / resume the display |
| `e` | export the stopped session (transcript, notes, audio, keyframes) |
| `f` | follow the live transcript again after a jump |
| `p` | plugins: loaded and failing |
| `ctrl+p` | command palette |
| `?` | this help |
| `q` | quit (stops the session) |

The transcript shows **me** (your microphone) and **them** (system audio). Partials appear in
grey and are replaced by the final line. Alerts are highlighted in the insights panel.
"""


class HelpScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "back")
    ]

    def compose(self) -> ComposeResult:
        yield Markdown(HELP)
        yield Footer()
