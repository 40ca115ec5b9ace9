"""The builtin plugins on the real runtime: the sample meeting (script and what tiny.en heard)
through action_items and sensitive_content; index_audio batches; custom alert rules."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest

import builtin_plugins.action_items as action_items_plugin
import builtin_plugins.audio_index as audio_index_plugin
import builtin_plugins.sensitive_content as sensitive_plugin
from copilot.capture import CaptureClient
from tests.intelligence.conftest import MEETING_DAY, PARTICIPANTS

TINY = json.loads((Path(__file__).parent / "data" / "sample_tiny_en.json").read_text())
META = {"participants": PARTICIPANTS, "user_name": "Alex", "meeting_date": MEETING_DAY.isoformat()}
EXPECTED_ITEMS = {
    ("send the revised budget", "Priya", date(2026, 11, 27)),
    ("update the release notes", "Marcus", date(2026, 12, 2)),
    ("book the review meeting with the design team", "Alex", None),
    ("share the slides", "Alex", MEETING_DAY),  # asked by Priya, taken on by Alex today
}


async def start(conn, metadata=META):
    cap = conn.create_capture_session(metadata=metadata)
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(
        capture_session_id=cap.id, channels=["mic:tone", "system_audio:tone"]
    )
    streams = {
        "mic": cap.get_rtstream("mic")[0],
        "system_audio": cap.get_rtstream("system_audio")[0],
    }
    return cap, client, streams


def say(cap, streams, u, speaker=None):
    cap.emit(
        {
            "type": "transcript",
            "text": u["text"],
            "is_final": True,
            "start": u["start"],
            "end": u["end"],
            "rtstream_id": streams[u["channel"]].id,
            "speaker": speaker or ("me" if u["channel"] == "mic" else "them"),
        }
    )


async def replay(conn, utterances):
    conn.register_plugin(action_items_plugin, "action_items")
    conn.register_plugin(sensitive_plugin, "sensitive_content")
    cap, client, streams = await start(conn)
    for u in utterances:
        say(cap, streams, u)
    await asyncio.sleep(0.2)
    await client.stop_session()
    events = [e async for e in cap.events()]
    latest = {}
    for e in events:
        if e.type == "action_item":
            latest[e.item_id] = e
    alerts = [e for e in events if e.type == "alert"]
    errors = [e for e in events if e.type == "plugin_error"]
    return latest, alerts, errors


@pytest.mark.parametrize("source", ["script", "tiny.en"])
async def test_sample_meeting_items_and_alert(conn, reference, source):
    utterances = reference["utterances"] if source == "script" else TINY["utterances"]
    items, alerts, errors = await replay(conn, utterances)
    assert errors == []
    assert {(i.text, i.owner, i.due) for i in items.values()} == EXPECTED_ITEMS
    (alert,) = alerts  # the password read out, and nothing else
    assert (alert.label, alert.kind, alert.triggered) == ("sensitive_content", "password", True)
    assert alert.confidence >= 0.9 and 46 < alert.start < 53
    assert "purple" not in alert.text and "[REDACTED:password]" in alert.text
    slides = next(i for i in items.values() if "slides" in i.text)
    assert slides.start > 70  # the item moved to the utterance that took it on


async def test_amendment_keeps_item_id_and_duplicates_are_dropped(conn):
    conn.register_plugin(action_items_plugin, "action_items")
    cap, client, streams = await start(conn)
    for i, text in enumerate(
        [
            "Marcus will update the release notes by Wednesday.",
            "Marcus will update the release notes by Wednesday.",
            "Actually, make that Thursday for the release notes.",
        ]
    ):
        say(cap, streams, {"channel": "mic", "text": text, "start": i * 5.0, "end": i * 5.0 + 4})
    await asyncio.sleep(0.2)
    await client.stop_session()
    items = [e async for e in cap.events(types=["action_item"])]
    assert [(e.item_id == items[0].item_id, e.due) for e in items] == [
        (True, date(2026, 12, 2)),
        (True, date(2026, 11, 26)),
    ]


async def test_secret_on_screen_alerts_once(conn):
    conn.register_plugin(sensitive_plugin, "sensitive_content")
    cap, client, _ = await start(conn)
    screen = "Settings  API key: AKIAIOSFODNN7EXAMPLE  Region us-east-1"
    for t in (1.0, 2.0):  # the same screen indexed twice
        cap.emit(
            {
                "type": "index",
                "index_type": "visual",
                "text": "User views AWS settings",
                "source_text": screen,
                "start": t,
                "end": t + 1,
            }
        )
    cap.emit({"type": "index", "index_type": "visual", "text": "Invoice 4111 1111 1111 1111"})
    await asyncio.sleep(0.2)
    await client.stop_session()
    alerts = [e async for e in cap.events(types=["alert"])]
    assert [(a.kind, a.start) for a in alerts] == [("api_key", 1.0)]


async def test_index_text_never_repeats_a_secret(conn):
    conn.register_plugin(audio_index_plugin, "audio_index")
    cap, client, streams = await start(conn)
    streams["system_audio"].index_audio(prompt="What was said about the test account?")
    say(cap, streams, {"channel": "system_audio", "start": 46.3, "end": 52.9,
                       "text": "I need to reset the test account. The admin password is purple "
                               "elephant river."})  # fmt: skip
    await client.stop_session()
    (idx,) = [e async for e in cap.events(types=["index"])]
    assert "[REDACTED:password]" in idx.text and "purple" not in idx.text
