"""A refined final replaces its TUI line in place; it never adds a second line."""

from __future__ import annotations

from types import SimpleNamespace

from textual.app import App, ComposeResult

from copilot.tui.widgets.transcript import TranscriptView


def _final(uid, text, revision=0, start=1.0, seq=1):
    return SimpleNamespace(type="transcript", is_final=True, utterance_id=uid, text=text,
                           revision=revision, start=start, end=start + 2, seq=seq,
                           speaker="them", channel="system_audio:default")  # fmt: skip


class _Harness(App):
    def compose(self) -> ComposeResult:
        yield TranscriptView()


async def test_revision_updates_the_line_in_place():
    app = _Harness()
    async with app.run_test() as pilot:
        view = app.query_one(TranscriptView)
        view.add_final(_final("u1", "well percent over my guitar", seq=1))
        view.add_final(_final("u2", "next line", start=5.0, seq=2))
        view.add_final(_final("u1", "twelve percent over budget", revision=1, seq=3))
        view.add_final(_final("u1", "an older one", revision=0, seq=4))
        await pilot.pause()
        assert [line.utterance for line in view.finals] == [
            "twelve percent over budget",
            "next line",
        ]
        assert len(view.query(".final")) == 2
        assert "twelve percent over budget" in str(view.finals[0].render())
