"""An agent's own event types in server mode: validated by the agent, persisted, read typed."""

from __future__ import annotations

from typing import Literal

import pytest

from copilot.errors import InvalidEvent
from copilot.events import Event


class Suggestion(Event):
    type: Literal["suggestion"] = "suggestion"
    text: str
    what_it_saw: str | None = None


async def test_remote_agent_emits_and_reads_its_own_type(remote):
    cap = remote.create_capture_session(end_user_id="agent")
    with pytest.raises(Exception, match="suggestion"):
        cap.emit({"type": "suggestion", "text": "restart the database"})  # not registered yet
    remote.register_event_type(Suggestion)
    sent = cap.emit({"type": "suggestion", "text": "restart the database", "what_it_saw": "5432"})
    assert isinstance(sent, Suggestion) and sent.seq > 0 and sent.what_it_saw == "5432"
    with pytest.raises(InvalidEvent, match="text"):
        cap.emit({"type": "suggestion", "what_it_saw": "no text"})  # refused before sending
    polled, _ = cap.poll(types=["suggestion"])
    assert [type(e) for e in polled] == [Suggestion]
    assert polled[0].text == "restart the database"
