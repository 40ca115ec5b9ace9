"""The real app on the sample meeting (real runtime, ASR, OCR and search), driven by Pilot."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from copilot.tui.widgets.insights import InsightsPanel
from copilot.tui.widgets.plugins import PluginsScreen
from copilot.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import SIZE, finish_demo, search, wait_until

pytestmark = pytest.mark.slow


async def test_demo_shows_transcript_insights_and_search_jumps(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await finish_demo(pilot)
        view = app.query_one(TranscriptView)
        speakers = {line.speaker for line in view.finals}
        assert speakers == {"me", "them"}
        assert len(view.finals) >= 12
        assert any("budget" in line.utterance for line in view.finals)
        assert [f.start for f in view.finals] == sorted(f.start for f in view.finals)

        insights = app.query_one(InsightsPanel)
        assert insights.alerts >= 1
        assert app.query(".alert")
        assert len(insights.items) >= 3
        items = str(app.query_one("#action-items", Static).content)
        assert "release notes" in items

        screen = await search(pilot, "revised budget")
        hit = screen.hits[0]
        assert "budget" in hit.text.lower()
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.last_clip is not None, timeout=30)
        jumped = [f for f in view.finals if f.has_class("jumped")]
        assert len(jumped) == 1
        assert abs(jumped[0].start - hit.start) < 3.0
        assert not view.follow
        assert app.last_clip.exists()

        await pilot.press("p")
        assert isinstance(app.screen, PluginsScreen)
        rows = app.screen.query_one(DataTable).row_count
        assert rows >= 5


async def test_pausing_the_mic_stops_its_transcript(make_app):
    app = make_app(speed="4")  # 83 s of audio in ~21 s: time to pause before Alex speaks much
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.header.state == "active", timeout=30)
        await pilot.press("m")
        await finish_demo(pilot)
        assert "mic:file" in app.paused
        view = app.query_one(TranscriptView)
        late_mic = [f for f in view.finals if f.channel == "mic:file" and f.start > 10]
        late_them = [f for f in view.finals if f.channel == "system_audio:file" and f.start > 10]
        assert not late_mic, [f.utterance for f in late_mic]
        assert len(late_them) >= 5
