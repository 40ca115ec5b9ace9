"""Plugins screen (`p`): every plugin with its status, hooks and error."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static


class PluginsScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,p", "app.pop_screen", "back")]

    def __init__(self, plugins: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugins = plugins

    def compose(self) -> ComposeResult:
        loaded = sum(1 for p in self.plugins if p.status == "loaded")
        failing = len(self.plugins) - loaded
        yield Static(f"Plugins: {loaded} loaded, {failing} failing or blocked", classes="title")
        yield DataTable(id="plugins", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("plugin", "status", "hooks", "error")
        for p in self.plugins:
            hooks = getattr(p, "hooks", []) or []
            table.add_row(
                p.name,
                p.status,
                ", ".join(h.removeprefix("copilot_") for h in hooks)[:70],
                getattr(p, "error", None) or "",
            )
