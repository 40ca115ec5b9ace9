"""The copilot Textual app: header, live transcript, insights; search, help, plugins screens.

Copilot calls that can block run in workers (thread workers, or `asyncio.to_thread` inside
async workers); events are consumed by an async worker into a buffer that `flush` applies at
most ten times a second, keeping only the latest partial per channel.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Static

from copilot.eventfmt import clock
from copilot.tui.messages import SessionStarted, StatsUpdated
from copilot.tui.session import Controller
from copilot.tui.widgets.header import SessionHeader
from copilot.tui.widgets.help import HelpScreen
from copilot.tui.widgets.insights import InsightsPanel
from copilot.tui.widgets.plugins import PluginsScreen
from copilot.tui.widgets.search import SearchScreen
from copilot.tui.widgets.transcript import TranscriptView

FLUSH_EVERY = 0.1  # partial floods are coalesced to at most ~10 updates a second
KIND_KEYS = {"mic": "mic", "system_audio": "system_audio", "display": "display"}


class CopilotApp(App):
    """Watch, search and steer a capture session."""

    CSS_PATH = "app.tcss"
    TITLE = "copilot"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "search"),
        Binding("s", "toggle_session", "start/stop"),
        Binding("m", "pause('mic')", "mic"),
        Binding("a", "pause('system_audio')", "sys audio"),
        Binding("d", "pause('display')", "display"),
        Binding("e", "export", "export"),
        Binding("f", "follow", "follow", show=False),
        Binding("p", "plugins", "plugins"),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, controller: Controller, *, masked: bool = False, autostart: bool = True):
        super().__init__()
        self.controller = controller
        self.masked = masked
        self.autostart = autostart
        self.pending: list[Any] = []
        self.counts: Counter[str] = Counter()
        self.paused: set[str] = set()
        self.last_clip = None
        self.finished = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield SessionHeader(masked=self.masked, id="header")
        yield Static("", id="notice", classes="empty")
        with Horizontal(id="main"):
            view = TranscriptView(masked=self.masked, id="transcript")
            view.border_title = "Transcript"
            yield view
            insights = InsightsPanel(masked=self.masked, id="insights")
            insights.border_title = "Insights"
            yield insights
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(FLUSH_EVERY, self.flush)
        self.set_interval(0.5, self.poll_stats)
        if self.autostart:
            self.start_session()

    # ---------------------------------------------------------------- session
    @work(exclusive=True, group="session")
    async def start_session(self) -> None:
        """Start a session, then consume its events until it ends."""
        self.finished.clear()
        self.header.set_state("starting")
        try:
            plan = await self.controller.start()
        except Exception as exc:
            self.notify_line(f"could not start: {exc}")
            self.header.set_state("failed")
            self.finished.set()
            return
        channels = [r["channel_id"] for r in plan.requests]
        self.post_message(SessionStarted(self.controller.session_id, channels, plan.missing))
        if not plan.requests:
            self.finished.set()
            return
        try:
            async for ev in self.controller.events():
                self.pending.append(ev)
        finally:
            self.flush()
            self.finished.set()

    def on_session_started(self, msg: SessionStarted) -> None:
        self.header.session_id = msg.session_id
        self.header.channels = {ch: {} for ch in msg.channels}
        self.header.refresh_view()
        self.paused.clear()
        if msg.missing:
            self.notify_line("not captured: " + "; ".join(msg.missing))
        elif not msg.channels:
            self.notify_line("nothing to capture")

    @work(exclusive=True, group="control")
    async def stop_session(self) -> None:
        await self.controller.stop()

    @work(thread=True, exclusive=True, group="stats")
    def poll_stats(self) -> None:
        try:
            stats, status = self.controller.stats(), self.controller.status()
        except Exception:
            return  # the runtime is closing
        self.post_message(StatsUpdated(stats, status))

    def on_stats_updated(self, msg: StatsUpdated) -> None:
        for ch, st in msg.channels.items():
            self.header.channels[ch] = st
        if msg.status not in ("idle", "active"):
            for st in self.header.channels.values():
                st["level_db"] = None
        self.header.refresh_view()

    # ---------------------------------------------------------------- events
    def flush(self) -> None:
        """Apply buffered events; of each channel's partials only the latest is drawn."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        last_partial = {}
        for i, ev in enumerate(batch):
            if ev.type == "transcript" and not ev.is_final:
                last_partial[ev.channel] = i
        for i, ev in enumerate(batch):
            if ev.type == "transcript" and not ev.is_final and last_partial[ev.channel] != i:
                continue
            self.apply(ev)

    def apply(self, ev: Any) -> None:
        self.counts[ev.type] += 1
        if ev.type == "transcript":
            view = self.query_one(TranscriptView)
            if ev.is_final:
                self.counts["final"] += 1
                view.add_final(ev)
                self.header.heard_until(ev.channel or "", ev.end or 0.0)
            else:
                view.set_partial(ev)
        elif ev.type in ("index", "alert", "action_item"):
            self.query_one(InsightsPanel).add(ev)
        elif ev.type == "capture_session":
            self.header.set_state(ev.status)
            if ev.status == "stopped":
                self.notify_line("session stopped: e exports it, s starts a new one")
        elif ev.type == "channel" and ev.status == "failed":
            self.notify_line(f"channel {ev.channel} failed: {ev.reason}")
        elif ev.type == "plugin_error":
            self.notify_line(f"plugin {ev.plugin} failed in {ev.hook}: {ev.error}")

    # ---------------------------------------------------------------- helpers
    @property
    def header(self) -> SessionHeader:
        return self.query_one(SessionHeader)

    def notify_line(self, text: str) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(text)
        notice.set_class(not text, "empty")

    def channel_of(self, kind: str) -> str | None:
        return next((ch for ch in self.header.channels if ch.split(":")[0] == kind), None)

    # ---------------------------------------------------------------- actions
    def action_toggle_session(self) -> None:
        if self.header.state == "active":
            self.stop_session()
        elif self.finished.is_set() or self.controller.cap is None:
            self.query_one(TranscriptView).remove_children()
            self.refresh_panels()
            self.start_session()

    def refresh_panels(self) -> None:
        view = self.query_one(TranscriptView)
        view.finals.clear()
        view.partials.clear()
        insights = self.query_one(InsightsPanel)
        insights.remove()
        insights = InsightsPanel(masked=self.masked, id="insights")
        insights.border_title = "Insights"
        self.query_one("#main").mount(insights)

    def action_pause(self, kind: str) -> None:
        channel = self.channel_of(kind)
        if channel is None or self.header.state != "active":
            self.notify_line(f"no active {kind} channel to pause")
            return
        paused = channel not in self.paused
        (self.paused.add if paused else self.paused.discard)(channel)
        self.notify_line(f"{channel} {'paused' if paused else 'resumed'}")
        self.set_paused(channel, paused)

    @work(group="control")
    async def set_paused(self, channel: str, paused: bool) -> None:
        await self.controller.set_paused(channel, paused)

    def action_search(self) -> None:
        if self.controller.cap is None:
            self.notify_line("no session to search yet")
            return
        self.push_screen(SearchScreen(self.controller.search, self.masked), self.on_hit)

    def on_hit(self, hit: Any) -> None:
        if hit is None:
            return
        self.query_one(TranscriptView).jump_to(hit.start)
        self.notify_line(f"jumped to {clock(hit.start)} (f: follow live) · exporting clip…")
        self.export_clip(hit)

    @work(thread=True, group="export")
    def export_clip(self, hit: Any) -> None:
        try:
            path = self.controller.export_clip(hit)
        except Exception as exc:
            self.call_from_thread(self.notify_line, f"clip export failed: {exc}")
            return
        self.last_clip = path
        self.call_from_thread(self.notify_line, f"jumped to {clock(hit.start)} · clip: {path}")

    def action_follow(self) -> None:
        view = self.query_one(TranscriptView)
        view.follow = True
        view.scroll_end(animate=False)

    @work(thread=True, group="export")
    def action_export(self) -> None:
        if self.controller.status() not in ("stopped", "exported"):
            self.call_from_thread(self.notify_line, "stop the session (s) before exporting")
            return
        try:
            path = self.controller.export()
        except Exception as exc:
            self.call_from_thread(self.notify_line, f"export failed: {exc}")
            return
        self.call_from_thread(self.notify_line, f"exported to {path}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_plugins(self) -> None:
        self.push_screen(PluginsScreen(self.controller.plugins()))

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Search", "Search what was said and shown", self.action_search)
        yield SystemCommand(
            "Start/stop session", "Start or stop capture", self.action_toggle_session
        )
        yield SystemCommand("Export session", "Export the stopped session", self.action_export)
        yield SystemCommand("Plugins", "Loaded and failing plugins", self.action_plugins)
        for kind in KIND_KEYS:
            yield SystemCommand(
                f"Pause/resume {kind}",
                f"Toggle the {kind} channel",
                lambda k=kind: self.action_pause(k),
            )

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.controller.close)
