"""The running meeting summary: decisions, open questions (answered ones dropped, requests
and small talk left out), a short extract; revisions replace text; notes.md uses it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import builtin_plugins.audio_index as audio_index_plugin
from copilot.intelligence.notes import notes_markdown
from copilot.intelligence.summary import RunningSummary
from tests.intelligence.test_plugins import start

LINES = [
    "Good morning everyone, can everyone hear me?",
    "Which hotel should we book for the offsite in March?",
    "Priya, could you send me the visitor numbers?",
    "We decided to book the Harbour hotel for the offsite.",
    "Who is going to present the roadmap at the board meeting?",
    "The supplier quoted twelve thousand for the stands, which is over budget.",
]


def test_decisions_and_open_questions():
    s = RunningSummary()
    for i, line in enumerate(LINES):
        s.add(f"u{i}", line, float(i))
    snap = s.snapshot()
    assert snap.decisions == ["We decided to book the Harbour hotel for the offsite."]
    assert snap.questions == ["Who is going to present the roadmap at the board meeting?"]
    assert snap.summary and len(snap.summary.split()) <= 80
    assert s.add("u5", "The supplier quoted 12000, the admin password is hunter2.", 5.0, 1)
    assert "hunter2" not in s.snapshot().text()
    assert not s.add("u5", "old text", 5.0, 0)  # an older revision changes nothing


def test_notes_sections():
    rows = [{"text": t, "start": float(i)} for i, t in enumerate(LINES)]
    item = SimpleNamespace(
        type="action_item", item_id="a1", text="send the visitor numbers", owner="Priya",
        due=None, start=2.0, status="open", revision=0,
    )  # fmt: skip
    confirmed = SimpleNamespace(**{**vars(item), "status": "confirmed", "revision": 1})
    gone = SimpleNamespace(
        **{**vars(item), "item_id": "a2", "text": "book the room", "status": "withdrawn"}
    )
    alert = SimpleNamespace(
        type="alert", label="sensitive_content", kind="card_number", hint="ending 4242",
        channel="mic", start=61.0, confidence=0.9,
    )  # fmt: skip
    text = notes_markdown("cap-1", [item, confirmed, gone, alert], rows)
    assert "- We decided to book the Harbour hotel" in text
    assert "## Open questions\n\n- Who is going to present the roadmap" in text
    assert "send the visitor numbers — Priya (confirmed)" in text and "book the room" not in text
    assert "card_number), ending 4242 on mic" in text


async def test_summary_index_events_every_n_utterances(conn):
    conn.runtime.settings.summary_every = 3
    conn.register_plugin(audio_index_plugin, "audio_index")
    cap, client, streams = await start(conn)
    for i, line in enumerate(LINES):
        mic = streams["mic"].id
        cap.emit({"type": "transcript", "text": line, "is_final": True, "start": i * 5.0,
                  "end": i * 5.0 + 4, "rtstream_id": mic, "speaker": "me"})  # fmt: skip
    await asyncio.sleep(0.2)
    await client.stop_session()
    summaries = [e async for e in cap.events(types=["index"])]
    assert [e.index_id for e in summaries] == ["meeting-summary"] * 2
    assert (summaries[0].start, summaries[1].end) == (0.0, 29.0)
    assert "Decisions: We decided to book the Harbour hotel" in summaries[1].text
    assert "Open questions: Who is going to present the roadmap" in summaries[1].text
