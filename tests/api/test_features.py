"""RTStream features through the public API, embedded and served, with a test feature that
says what it saw: frames in order on the session timeline, a flush when the channel ends or
pauses (not only when the session stops), and starting a running feature again."""

from __future__ import annotations

import asyncio
import re

import pytest

from copilot.errors import CopilotError

API_PROFILE = "recorder"
SAID = re.compile(r"(last words|paused) after (\d+) frames$")


async def _start(api, *channels):
    cap = api.conn.create_capture_session()
    client = api.client(api.conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(capture_session_id=cap.id, channels=list(channels))
    return cap, client


async def _next_transcript(cap, after: int = 0, timeout: float = 10.0):
    async def first():
        async for ev in cap.events(since=after, types=["transcript"], until_end=False):
            return ev

    return await asyncio.wait_for(first(), timeout)


async def test_features_receive_frames_with_session_times_and_flush(api):
    cap, client = await _start(api, "mic:tone", "display:1")
    mic = cap.get_rtstream("mic")[0]
    with pytest.raises(ValueError, match="works on mic/system_audio streams, not display"):
        cap.get_rtstream("display")[0].start_transcript(language="en")
    mic.start_transcript(language="en")
    await asyncio.sleep(0.3)
    await client.stop_session()
    (last,) = mic.get_transcript().items
    said = SAID.match(last.text)
    assert said and said[1] == "last words" and int(said[2]) > 3  # in order, or it would say
    assert last.language == "language=en" and 0 <= last.start < last.end
    stopping = [e async for e in cap.events(types=["capture_session"])][-2]
    assert stopping.status == "stopping" and last.seq > stopping.seq
    await client.shutdown()


async def test_a_channel_that_ends_is_flushed_at_once(api):
    """The mic's last words come when the mic ends, not when the session stops (defect 2)."""
    cap, client = await _start(
        api, {"channel_id": "mic:tone", "seconds": 0.6, "pace": 0.02}, "system_audio:tone"
    )
    mic = cap.get_rtstream("mic")[0]
    mic.start_transcript()
    last = await _next_transcript(cap)
    assert cap.status == "active"  # the system audio still runs
    assert SAID.match(last.text)[1] == "last words"
    (ended,), _ = cap.poll(types=["channel"])
    assert (ended.channel, ended.status) == ("mic:tone", "ended")
    await client.stop_session()
    # flushed once: the session's stop does not flush it again
    assert [e.text for e in mic.get_transcript()] == [last.text]
    await client.shutdown()


async def test_a_paused_channel_is_flushed_and_goes_on_after_resume(api):
    cap, client = await _start(api, "mic:tone")
    mic = cap.get_rtstream("mic")[0]
    mic.start_transcript()
    await asyncio.sleep(0.2)
    await client.pause("mic:tone")
    paused = await _next_transcript(cap)
    assert SAID.match(paused.text)[1] == "paused" and cap.status == "active"
    await client.resume("mic:tone")
    await asyncio.sleep(0.2)
    await client.stop_session()
    texts = [e.text for e in mic.get_transcript()]
    assert len(texts) == 2 and texts[1].startswith("last words")
    assert int(SAID.match(texts[1])[2]) > int(SAID.match(texts[0])[2])  # frames after resume
    await client.shutdown()


async def test_starting_a_running_feature_again_returns_it(api):
    """Webhooks are at-least-once: a replayed `active` starts the same feature again (defect
    4). Same options → the running one; other options → a clear error."""
    cap, client = await _start(api, "mic:tone")
    mic = cap.get_rtstream("mic")[0]
    first = mic.start_transcript(language="en")
    again = (
        api.conn.get_capture_session(cap.id).get_rtstream("mic")[0].start_transcript(language="en")
    )
    assert again.id == first.id
    with pytest.raises(CopilotError, match="already running on mic:tone with other options"):
        mic.start_transcript(language="de")
    assert mic.stop_transcript() is True
    assert mic.stop_transcript() is False
    other = mic.start_transcript(language="de")  # stopped: starts anew, with the new options
    assert other.id != first.id
    await client.stop_session()
    (last,) = mic.get_transcript().items  # one run flushed at stop (the stopped one was not)
    assert last.language == "language=de"
    await client.shutdown()
