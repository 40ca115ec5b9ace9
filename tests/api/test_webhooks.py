"""Webhooks through the public API, embedded and served: a session's `callback_url` gets its
events as signed webhooks (issue 18, defect 5: embedded mode took the URL and dropped it), and
`webhook_events` chooses which."""

from __future__ import annotations

import pytest

from tests.server.support import Receiver

API_PROFILE = "bare"
API_SETTINGS = {"webhook_drain_timeout": 5.0}

EMITTED = [
    {"type": "transcript", "text": "we ship on", "is_final": False, "start": 0.0, "end": 0.5},
    {"type": "transcript", "text": "We ship on Friday.", "is_final": True, "start": 0, "end": 1},
    {"type": "index", "index_type": "audio", "text": "Shipping Friday.", "start": 0, "end": 1},
    {"type": "action_item", "item_id": "ai-1", "text": "Ship on Friday"},
    {"type": "alert", "label": "sensitive_content", "confidence": 0.9},
]


@pytest.fixture
def receiver(api):
    rec = Receiver().start()
    rec.secret = api.conn.webhook_secret()
    yield rec
    rec.stop()


async def _run(api, cap) -> None:
    client = api.client(api.conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    for ev in EMITTED:
        cap.emit(ev)
    await client.stop_session()
    await client.shutdown()


async def test_default_webhooks_carry_finals_index_action_items_alerts_and_states(api, receiver):
    cap = api.conn.create_capture_session(callback_url=receiver.url)
    await _run(api, cap)
    receiver.wait_for(lambda: "capture_session.stopped" in _names(receiver, cap.id))
    assert receiver.bad_signatures == 0
    got = receiver.events(cap.id)
    names = [e["event"] for e in got]
    lifecycle = ("created", "starting", "active")
    assert names[:3] == [f"capture_session.{s}" for s in lifecycle]
    # the partial transcript is not sent; the final, the index event, the item, the alert are
    assert names[3:7] == ["transcript", "audio_index", "action_item", "alert"], names
    assert names[-2:] == ["capture_session.stopping", "capture_session.stopped"]
    assert got[3]["data"]["text"] == "We ship on Friday." and got[3]["data"]["is_final"]
    assert got[5]["data"]["item_id"] == "ai-1"
    # one name, one meaning: `id` is the event's id in the log (as polled), data.event_id is
    # the custom rule that fired an alert (none here)
    logged = {e.seq: e for e in cap.poll(limit=500)[0]}
    for body in got:
        assert "event_id" not in body
        assert body["id"] == logged[body["seq"]].id
    assert got[6]["data"]["event_id"] is None
    assert [e["seq"] for e in got] == sorted(e["seq"] for e in got)
    attempts = [a for a in api.conn.webhook_attempts(1000) if a["capture_session_id"] == cap.id]
    assert attempts and all(a["status"] == "delivered" for a in attempts)


async def test_webhook_events_choose_what_a_session_gets(api, receiver):
    cap = api.conn.create_capture_session(
        callback_url=receiver.url, webhook_events=["alert", "capture_session.stopped"]
    )
    assert cap.webhook_events == ["alert", "capture_session.stopped"]
    await _run(api, cap)
    receiver.wait_for(lambda: "capture_session.stopped" in _names(receiver, cap.id))
    assert _names(receiver, cap.id) == ["alert", "capture_session.stopped"]


def test_unknown_webhook_events_are_refused(api, receiver):
    with pytest.raises(ValueError, match="unknown webhook event 'transcripts'"):
        api.conn.create_capture_session(callback_url=receiver.url, webhook_events=["transcripts"])
    with pytest.raises(ValueError, match="needs a callback_url"):
        api.conn.create_capture_session(webhook_events=["alert"])


def _names(receiver, session_id: str) -> list[str]:
    return [e["event"] for e in receiver.events(session_id)]
