"""Event models: the JSON shapes of DESIGN.md, frozen, strict, discriminated by `type`."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from copilot.errors import InvalidEvent
from copilot.events import (
    AlertEvent,
    EventTypes,
    IndexEvent,
    TranscriptEvent,
    UnknownEvent,
)

COMMON = {"id", "seq", "capture_session_id", "rtstream_id", "channel", "start", "end", "created_at"}


def test_shapes_match_what_users_parse():
    t = json.loads(
        TranscriptEvent(
            capture_session_id="cap-1",
            text="Let's schedule the meeting for Thursday",
            is_final=True,
        ).model_dump_json()
    )
    assert t["type"] == "transcript" and t["is_final"] is True
    assert t["text"] == "Let's schedule the meeting for Thursday"
    assert set(t) >= COMMON
    i = IndexEvent(capture_session_id="c", index_type="visual", text="User is viewing Slack")
    assert json.loads(i.model_dump_json())["index_type"] == "visual"
    a = json.loads(
        AlertEvent(
            capture_session_id="c", label="sensitive_content", confidence=0.92
        ).model_dump_json()
    )
    assert (a["type"], a["label"], a["triggered"], a["confidence"]) == (
        "alert",
        "sensitive_content",
        True,
        0.92,
    )


def test_events_are_frozen_and_strict():
    ev = TranscriptEvent(capture_session_id="c", text="x", is_final=False)
    with pytest.raises(ValidationError):
        ev.text = "y"
    with pytest.raises(ValidationError):
        TranscriptEvent(capture_session_id="c", text="x", is_final=False, colour="red")
    with pytest.raises(ValidationError):
        AlertEvent(capture_session_id="c", label="x", confidence=1.5)


def test_registry_discriminates_by_type():
    types = EventTypes()
    ev = types.validate(
        {"type": "index", "capture_session_id": "c", "index_type": "audio", "text": "t"}
    )
    assert isinstance(ev, IndexEvent)
    with pytest.raises(InvalidEvent, match="unknown event type 'nope'"):
        types.validate({"type": "nope", "capture_session_id": "c"})
    with pytest.raises(InvalidEvent, match="invalid 'transcript' event: is_final"):
        types.validate({"type": "transcript", "capture_session_id": "c", "text": "t"})


def test_log_reader_keeps_events_of_removed_plugins():
    types = EventTypes()
    ev = types.load({"type": "gone_plugin_thing", "capture_session_id": "c", "seq": 3, "x": 1})
    assert isinstance(ev, UnknownEvent) and ev.seq == 3 and ev.model_extra == {"x": 1}
