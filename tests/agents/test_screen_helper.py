"""agents/screen_helper.py: rendered slides replayed through offline OCR; a `suggestion` event
on the stack-trace screen only, persisted and delivered to plugins like builtin events."""

from __future__ import annotations

import pytest

import copilot
from agents import screen_helper
from copilot.events import IndexEvent
from copilot.llm import LlmConfig


def _index(text: str, source_text: str | None = None) -> IndexEvent:
    return IndexEvent(
        capture_session_id="cap-x", index_type="visual", text=text, source_text=source_text
    )


@pytest.mark.parametrize(
    ("text", "source_text", "fires"),
    [
        ("User is viewing a terminal", "Traceback (most recent call last):\n  File x", True),
        ("User is viewing a dialog", "Error: disk full", True),
        ("User is viewing a terminal", "Segmentation fault (core dumped)", True),
        ("User is viewing slides", "Error handling best practices\nRetry with backoff", False),
        ("User is viewing a spreadsheet 'Q3 Budget'", "Revenue 41%", False),
    ],
)
def test_error_screens_are_recognised(text, source_text, fires):
    assert bool(screen_helper.error_seen(_index(text, source_text))) is fires


def test_offline_suggestion_names_what_failed():
    out = screen_helper.offline_suggestion({"text": "ConnectionRefusedError: port 5432"})
    assert "5432" in out["text"]
    out = screen_helper.offline_suggestion({"text": "KeyError: 'user_id'"})
    assert "KeyError" in out["text"]


class Seen:
    """A plugin registered at run time: sees every event type, including the agent's."""

    def __init__(self) -> None:
        self.types: list[str] = []

    @copilot.hookimpl
    def copilot_event(self, event):
        self.types.append(event.type)


@pytest.mark.slow
async def test_suggestion_on_the_error_screen_only(home, tmp_path):
    slides = screen_helper.render_slides(tmp_path)
    display = {"channel_id": "display:file", "path": str(slides), "speed": "max"}
    conn = copilot.connect(home=str(home), screen_fps=2)
    seen = Seen()
    try:
        conn.register_plugin(seen, "seen")
        sent = await screen_helper.run(conn, display, LlmConfig())
        cap = conn.get_capture_session(sent[0].capture_session_id)
        logged = [e async for e in cap.events(types=["index", "suggestion"])]
    finally:
        conn.close()
    visual = [e for e in logged if e.type == "index" and e.index_type == "visual"]
    suggestions = [e for e in logged if e.type == "suggestion"]
    assert len(visual) >= 3  # agenda, stack trace, chart (and the closing slide)
    assert [type(e) for e in suggestions] == [screen_helper.Suggestion]  # parsed with its model
    [s] = suggestions
    assert s.id == sent[0].id and s.seq > 0
    assert 2.5 <= s.start <= 4.0  # the stack trace is shown from 3 s
    assert "connection refused" in s.what_it_saw.lower()
    assert "5432" in s.text
    # no other screen looked like an error
    others = [e for e in visual if not (e.start <= s.start <= (e.end or e.start))]
    assert others and not any(screen_helper.error_seen(e) for e in others)
    assert "suggestion" in seen.types
