"""Newest revision wins wherever transcripts are read back: get_transcript, search, exports.

The refine pass's revisions are emitted here by hand (the same events it emits), so these
checks need no ASR model; tests/e2e/test_transcript_session.py runs the real refine pass.
"""

from __future__ import annotations

import json

import pytest

import copilot
from copilot.capture import CaptureClient

GARBLED = "well percent over my guitar and paper timing"
REFINED = "We are twelve percent over budget on paid advertising."


@pytest.fixture
def conn(home, sources):
    c = copilot.connect(home=str(home), plugins="replay_search", drain_timeout=30.0)
    c.register_plugin(sources, "test-sources")
    yield c
    c.close()


async def test_a_revision_replaces_the_live_text_everywhere(conn, tmp_path):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    mic = cap.get_rtstream("mic")[0]
    base = {"type": "transcript", "rtstream_id": mic.id, "channel": "mic:tone", "is_final": True}
    u1 = {**base, "utterance_id": "utt-1", "start": 1.0, "end": 4.0, "speaker": "me"}
    u2 = {**base, "utterance_id": "utt-2", "start": 5.0, "end": 7.0, "speaker": "me"}
    live1 = cap.emit({**u1, "text": GARBLED})
    live2 = cap.emit({**u2, "text": "Let us look at the launch date."})
    cap.emit({**u1, "text": REFINED, "revision": 1})
    cap.emit({**u1, "text": "an older revision arriving late", "revision": 0})

    page = mic.get_transcript()
    assert [e.text for e in page] == [REFINED, "Let us look at the launch date."]
    assert page.total == 2 and [e.utterance_id for e in page] == ["utt-1", "utt-2"]
    since = mic.get_transcript(since=live2.seq)
    assert [(e.utterance_id, e.text) for e in since] == [("utt-1", REFINED)]
    assert since.next_since > live2.seq > live1.seq

    hits = mic.search("12 % over budget")
    assert hits[0].text == REFINED and hits[0].keyword_score == 1.0
    texts = {h.text for h in mic.search("guitar paper timing", limit=20)}
    assert GARBLED not in texts and "an older revision arriving late" not in texts

    await client.stop_session()
    out = cap.export(tmp_path / "export")
    rows = json.loads((out / "transcript.json").read_text())
    assert [(r["utterance_id"], r["text"], r["revision"]) for r in rows] == [
        ("utt-1", REFINED, 1),
        ("utt-2", "Let us look at the launch date.", 0),
    ]
    srt = (out / "transcript.srt").read_text()
    vtt = (out / "transcript.vtt").read_text()
    assert srt.count(" --> ") == 2 and REFINED in srt and GARBLED not in srt
    assert vtt.count(" --> ") == 2 and REFINED in vtt and GARBLED not in vtt
    assert GARBLED not in (out / "notes.md").read_text()


@pytest.fixture
def sensitive_conn(home, sources):
    c = copilot.connect(home=str(home), plugins="sensitive_content", drain_timeout=30.0)
    c.register_plugin(sources, "test-sources")
    yield c
    c.close()


async def test_a_card_number_only_the_revision_has_raises_the_alert(sensitive_conn):
    conn = sensitive_conn
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    mic = cap.get_rtstream("mic")[0]
    said = {"type": "transcript", "rtstream_id": mic.id, "channel": "mic:tone", "is_final": True,
            "utterance_id": "utt-card", "start": 2.0, "end": 9.0, "speaker": "me"}  # fmt: skip
    cap.emit({**said, "text": "The card number is " + ", ".join(["41"] * 17)})  # a live loop
    revised = cap.emit({**said, "text": "The card number is 4111 1111 1111 1111.", "revision": 1})
    await client.stop_session()
    logged, _ = cap.poll(types=["alert"])
    alerts = [e for e in logged if e.label == "sensitive_content"]
    assert alerts and all(a.seq > revised.seq for a in alerts)
    assert alerts[0].start == pytest.approx(2.0)
