"""A live session keeps drawing while another screen (search, help) is on top."""

from __future__ import annotations

from copilot.events import TranscriptEvent
from copilot.tui.messages import StatsUpdated
from copilot.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import SIZE


async def test_stats_and_transcript_arrive_under_another_screen(make_app):
    app = make_app(autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")  # the help screen on top of the main one
        help_screen = app.screen
        assert help_screen is not app.screen_stack[0]
        app.post_message(StatsUpdated({"mic:file": {"level_db": -20.0}}, "active"))
        app.pending.append(
            TranscriptEvent(
                capture_session_id="cap-1", channel="mic:file", text="Hello there.",
                is_final=True, start=1.0, end=2.0, speaker="me", utterance_id="u1",
            )
        )  # fmt: skip
        app.flush()
        await pilot.pause(0.2)
        assert app.screen is help_screen and app.is_running  # still open, nothing raised
        await pilot.press("escape")

        def shown() -> bool:
            return app.screen is app.screen_stack[0] and bool(app.query_one(TranscriptView).finals)

        for _ in range(50):  # a loaded machine may take more than one pause to get there
            if shown():
                break
            await pilot.pause(0.1)
        assert app.header.channels["mic:file"]["level_db"] == -20.0
        assert [f.utterance for f in app.query_one(TranscriptView).finals] == ["Hello there."]
