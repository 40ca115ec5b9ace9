"""The hosted capture SDK's client loop runs verbatim against the embedded runtime.

`async for ev in client.events(): print(f"{ev.event}: {ev.payload}")`, breaking on
`recording-complete` or `error`, ends by itself after `stop_session()`; channels read as the
hosted SDK's (`.primary`, iteration, indexing, `store`, `is_primary`).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from copilot.capture import CaptureClient
from copilot.events import CaptureSessionEvent, TranscriptEvent, UnknownEvent


async def hosted_loop(client) -> list[str]:
    """The hosted SDK's documented client loop, verbatim, collecting what it prints."""
    lines = []
    async for ev in client.events():
        lines.append(f"{ev.event}: {ev.payload}")
        if ev.event in ("recording-complete", "error"):
            break
    return lines


async def stop_after(client, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await client.stop_session()


async def test_the_hosted_loop_ends_by_itself_after_stop_session(conn, capsys):
    cap = conn.create_capture_session(end_user_id="u")
    client = CaptureClient(client_token=conn.generate_client_token(capture_session_id=cap.id))
    channels = await client.list_channels()
    mic, display = channels.mics.default, channels.displays.primary
    mic.store = True
    display.is_primary = True
    await client.start_session(capture_session_id=cap.id, channels=[mic, display])
    stopper = asyncio.create_task(stop_after(client, 0.3))
    lines = await asyncio.wait_for(hosted_loop(client), 30)
    await stopper
    await client.shutdown()
    assert cap.status == "stopped"

    names = [line.split(": ", 1)[0] for line in lines]
    assert names[:3] == [
        "capture_session.created",
        "capture_session.starting",
        "capture_session.active",
    ]
    assert names[-2:] == ["capture_session.stopping", "recording-complete"]  # then stopped
    payload = eval(lines[-1].split(": ", 1)[1])  # the printed dict is the event's JSON
    assert json.loads(json.dumps(payload)) == payload
    assert payload["capture_session_id"] == cap.id
    assert payload["video_channel_id"] == "display:1"
    files = {f["channel"]: f for f in payload["files"]}
    assert files["mic:tone"]["kind"] == "audio" and Path(files["mic:tone"]["path"]).is_file()
    assert files["display:1"]["kind"] == "screen" and payload["video"] == files["display:1"]["path"]
    assert cap.record.primary_video_channel_id == "display:1"


async def test_a_fatal_capture_error_reaches_the_loop_as_error(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(
        capture_session_id=cap.id,
        channels=[{"channel_id": "mic:tone", "fail_after": 0.2, "pace": 0.01}],
    )
    lines = await asyncio.wait_for(hosted_loop(client), 30)
    assert lines[-2].startswith("channel.failed: ")
    assert lines[-1].startswith("error: ")
    assert "device unplugged" in lines[-1] and "channels_failed" in lines[-1]
    await client.stop_session()  # the hosted pattern after an error: stop, then shut down
    await client.shutdown()
    assert cap.status == "stopped"


async def test_channels_read_like_the_hosted_sdk(conn):
    client = CaptureClient(client_token=conn.generate_client_token())
    channels = await client.list_channels()
    displays = channels.displays
    assert displays[0].id == "display:1" and len(displays) == 1
    assert [d.id for d in displays] == ["display:1"] == [d.id for d in displays.all()]
    assert displays.primary is displays.default
    assert displays.primary.type == "video" and channels.mics.default.type == "audio"
    second = channels.mics[1]
    second.is_primary = True
    assert channels.mics.primary is second  # a channel flagged is_primary wins over default
    assert {c.id for c in channels.all()} >= {"mic:tone", "display:1", "system_audio:tone"}


async def test_primary_video_channel_id_must_name_a_captured_display(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    with pytest.raises(ValueError, match="is not a display"):
        await client.start_session(
            capture_session_id=cap.id,
            channels=["mic:tone", "display:1"],
            primary_video_channel_id="mic:tone",
        )
    with pytest.raises(ValueError, match="is not captured"):
        await client.start_session(
            capture_session_id=cap.id, channels=["mic:tone"], primary_video_channel_id="display:2"
        )
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    assert cap.record.primary_video_channel_id == "display:1"  # the first display by default
    await client.stop_session()


def test_every_event_has_the_hosted_name_and_payload():
    ev = TranscriptEvent(capture_session_id="cap-1", text="hi", is_final=True)
    assert ev.event == "transcript" and ev["event"] == "transcript"
    assert ev.payload["text"] == "hi" and ev.get("payload")["is_final"] is True
    assert CaptureSessionEvent(capture_session_id="c", status="failed").event == (
        "capture_session.failed"
    )
    # a stored event of a type whose own fields are named `event`/`payload` keeps them
    own = UnknownEvent.model_validate({"type": "x", "capture_session_id": "c", "event": "mine"})
    assert own.event == "mine" and own.get("nope", 1) == 1
