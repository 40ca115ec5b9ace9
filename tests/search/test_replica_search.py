"""Replicas on one database keep their own search index: a search on a replica that did not
log a session's lines finds them all the same (it indexes what the shared log has first)."""

from __future__ import annotations

import copilot
from copilot.events import TranscriptEvent

LINES = [
    "Priya will send the revised budget by Friday",
    "the login problem was fixed yesterday",
    "we decided to launch the new version next month",
]


def test_a_replica_finds_what_another_replica_logged(tmp_path, pg_url, monkeypatch):
    monkeypatch.setenv("COPILOT_DATABASE_URL", pg_url)
    a = copilot.connect(home=str(tmp_path / "a"), entrypoints=False)
    b = copilot.connect(home=str(tmp_path / "b"), plugins="replay_search")  # only B has search
    try:
        cap = a.create_capture_session()
        for i, text in enumerate(LINES):
            cap.emit(
                TranscriptEvent(
                    capture_session_id=cap.id,
                    text=text,
                    is_final=True,
                    start=i * 5.0,
                    end=i * 5.0 + 4,
                )
            )
        hits = b.get_capture_session(cap.id).search("when does the budget come")
        assert hits and hits[0].text == LINES[0]
        assert {h.session_id for h in b.search("login fixed")} == {cap.id}
        # a line logged later (on A) is found on B's next search
        cap.emit(
            TranscriptEvent(
                capture_session_id=cap.id,
                text="the office moves to Berlin",
                is_final=True,
                start=20.0,
                end=24.0,
            )
        )
        assert b.search("Berlin office", session_id=cap.id)[0].text == "the office moves to Berlin"
    finally:
        a.close()
        b.close()
