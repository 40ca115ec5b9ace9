"""Custom alert rules through the public API, embedded and served: `conn.create_event` defines
a rule, `index.create_alert` watches an audio index for it, and a matching batch alerts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import copilot
from copilot.errors import NotFound

API_PROFILE = "full"
REFERENCE = json.loads(
    (Path(copilot.__file__).parent / "data" / "sample_meeting" / "reference.json").read_text()
)


async def test_index_audio_batches_and_custom_alert(api):
    """Defect 6: served, conn.create_event and index.create_alert did not exist."""
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    mic = cap.get_rtstream("mic")[0]
    with pytest.raises(ValueError, match="must be word, sentence or time"):
        mic.index_audio(batch_config={"type": "minutes", "value": 1})
    index = mic.index_audio(
        prompt="Extract key decisions and action items",
        batch_config={"type": "sentence", "value": 6},
    )
    assert index.id.startswith("idx-")
    launch = conn.create_event("Detect a decision about the launch date", "launch_decision")
    pricing = conn.create_event("Alert when someone mentions pricing or a discount", "pricing")
    rules = {e["event_id"]: e["label"] for e in conn.list_events()}
    assert rules[launch] == "launch_decision" and rules[pricing] == "pricing"
    with pytest.raises(ValueError, match="event_prompt"):
        conn.create_event("  ", "empty")
    with pytest.raises(NotFound, match="no alert event"):
        index.create_alert("evr-0000")
    alert_id = index.create_alert(launch)
    off = index.create_alert(pricing)
    assert index.disable_alert(off)["enabled"] is False
    listed = index.list_alerts()
    assert [(a["alert_id"], a["enabled"]) for a in listed] == [(alert_id, True), (off, False)]
    assert all(a["index_id"] == index.id for a in listed)
    for u in REFERENCE["utterances"]:
        if u["channel"] == "mic":
            cap.emit(
                {
                    "type": "transcript",
                    "text": u["text"],
                    "is_final": True,
                    "start": u["start"],
                    "end": u["end"],
                    "rtstream_id": mic.id,
                    "speaker": "me",
                }
            )
    await client.stop_session()  # flush: the last partial batch is answered too
    events = [e async for e in cap.events()]
    idx = [e for e in events if e.type == "index"]
    assert len(idx) == 2 and all(e.index_id == index.id for e in idx)
    assert all(e.engine == "extractive" and e.rtstream_id == mic.id for e in idx)
    assert idx[0].start == 1.5 and idx[1].end == 77.752
    assert "decided to launch the new version" in idx[1].text
    assert all(len(e.text) < 0.7 * len(e.source_text) for e in idx)  # condensed, not echoed
    alerts = [e for e in events if e.type == "alert"]
    assert [(a.label, a.kind, a.event_id, a.alert_id) for a in alerts] == [
        ("launch_decision", "custom", launch, alert_id)
    ]
    await client.shutdown()
