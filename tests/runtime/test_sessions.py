"""Capture sessions through the public API: state machine, RTStreams, events, export."""

from __future__ import annotations

import asyncio
import json

import pytest

from copilot.capture import CaptureClient
from copilot.errors import CopilotError, IllegalTransition, NotEnabled, NotFound, PermissionDenied


async def _collect(cap, since=0, types=None):
    return [ev async for ev in cap.events(since=since, types=types)]


def test_create_get_list(conn):
    cap = conn.create_capture_session(
        end_user_id="user_abc", callback_url=None, metadata={"app": "x"}
    )
    assert cap.id.startswith("cap-")
    assert cap.status == "created"
    again = conn.get_capture_session(cap.id)
    assert (again.id, again.end_user_id, again.metadata) == (cap.id, "user_abc", {"app": "x"})
    assert [c.id for c in conn.list_capture_sessions(status="created")] == [cap.id]
    assert conn.list_capture_sessions(status="active") == []
    with pytest.raises(NotFound, match="no capture session"):
        conn.get_capture_session("cap-nope")
    with pytest.raises(ValueError, match="unknown status"):
        conn.list_capture_sessions(status="running")


async def test_every_legal_transition_is_an_event(conn, tmp_path):
    cap = conn.create_capture_session(end_user_id="u")
    client = CaptureClient(client_token=conn.generate_client_token(expires_in=600))
    channels = await client.list_channels()
    await client.start_session(
        capture_session_id=cap.id,
        channels=[channels.mics.default, "system_audio:tone", "display:1"],
        primary_video_channel_id="display:1",
    )
    assert cap.status == "active"
    assert [c.id for c in conn.list_capture_sessions(status="active")] == [cap.id]
    await client.stop_session()
    assert cap.status == "stopped"
    out = cap.export(tmp_path / "export")
    assert cap.status == "exported"
    statuses = [(ev.previous, ev.status) for ev in await _collect(cap, types=["capture_session"])]
    assert statuses == [
        (None, "created"),
        ("created", "starting"),
        ("starting", "active"),
        ("active", "stopping"),
        ("stopping", "stopped"),
        ("stopped", "exported"),
    ]
    logged = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in logged] == list(range(1, len(logged) + 1))
    assert json.loads((out / "session.json").read_text())["id"] == cap.id
    await client.shutdown()


async def test_illegal_transitions_raise_clear_errors(conn):
    cap = conn.create_capture_session()
    with pytest.raises(IllegalTransition, match="stop it before exporting"):
        cap.export()
    client = CaptureClient(client_token=conn.generate_client_token())
    with pytest.raises(CopilotError, match="no session started"):
        await client.stop_session()
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    with pytest.raises(IllegalTransition, match="from 'active' to 'starting'"):
        await CaptureClient(client_token=conn.generate_client_token()).start_session(
            capture_session_id=cap.id, channels=["mic:tone"]
        )
    await client.stop_session()
    with pytest.raises(IllegalTransition, match="from 'stopped' to 'stopping'"):
        await client.stop_session()
    # a rejected transition leaves no trace in the log
    statuses = [ev.status for ev in await _collect(cap, types=["capture_session"])]
    assert statuses == ["created", "starting", "active", "stopping", "stopped"]


async def test_rtstreams_one_per_channel_with_categories(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    assert cap.get_rtstream("mic") == []  # none before the session is active
    await client.start_session(
        capture_session_id=cap.id, channels=["mic:tone", "system_audio:tone", "display:1"]
    )
    (mic,) = cap.get_rtstream("mic")
    (sys_audio,) = cap.get_rtstream("system_audio")
    (screen,) = cap.get_rtstream("screen")
    assert cap.get_rtstream("display")[0].id == screen.id
    assert mic.id.startswith("rts-") and len({mic.id, sys_audio.id, screen.id}) == 3
    assert (mic.channel_id, sys_audio.channel_id, screen.channel_id) == (
        "mic:tone",
        "system_audio:tone",
        "display:1",
    )
    with pytest.raises(ValueError, match="unknown channel kind"):
        cap.get_rtstream("camera")
    await client.stop_session()
    # streams are kept after the session ends
    assert [s.id for s in conn.get_capture_session(cap.id).get_rtstream("mic")] == [mic.id]


async def test_active_event_lists_rtstreams(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    await client.stop_session()
    active = [e for e in await _collect(cap, types=["capture_session"]) if e.status == "active"]
    ids = {r["id"] for r in active[0].data["rtstreams"]}
    assert ids == {s.id for s in cap.rtstreams}


async def test_rtstream_methods_say_not_enabled(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    mic = cap.get_rtstream("mic")[0]
    screen = cap.get_rtstream("display")[0]
    with pytest.raises(NotEnabled, match="start_transcript"):
        mic.start_transcript()
    with pytest.raises(NotEnabled, match="index_audio"):
        mic.index_audio(prompt="Extract key decisions")
    with pytest.raises(NotEnabled, match="index_visuals"):
        screen.index_visuals(prompt="Describe what the user is doing")
    with pytest.raises(NotEnabled, match="search"):
        mic.search("budget")
    with pytest.raises(NotEnabled, match="search"):
        conn.search("budget")
    await client.stop_session()


async def test_get_transcript_reads_finals_from_the_log(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    mic = cap.get_rtstream("mic")[0]
    base = {"type": "transcript", "rtstream_id": mic.id, "channel": "mic:tone"}
    cap.emit({**base, "text": "hello", "is_final": False, "start": 0.0, "end": 0.5})
    first = cap.emit({**base, "text": "hello there", "is_final": True, "start": 0.0, "end": 1.0})
    cap.emit({**base, "text": "second", "is_final": True, "start": 5.0, "end": 6.0})
    page = mic.get_transcript()
    assert [e.text for e in page] == ["hello there", "second"]
    assert page.total == 2
    assert [e.text for e in mic.get_transcript(start=4.0)] == ["second"]
    assert [e.text for e in mic.get_transcript(since=first.seq)] == ["second"]
    assert [e.text for e in mic.get_transcript(page=2, page_size=1)] == ["second"]
    assert cap.get_rtstream("display")[0].get_transcript().total == 0
    await client.stop_session()


async def test_client_token_rules(conn):
    cap = conn.create_capture_session()
    other = conn.create_capture_session()
    scoped = conn.generate_client_token(expires_in=60, capture_session_id=other.id)
    client = CaptureClient(client_token=scoped)
    with pytest.raises(PermissionDenied, match="scoped to capture session"):
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    with pytest.raises(PermissionDenied, match="signature"):
        CaptureClient(client_token=scoped[:-4] + "AAAA")
    token = conn.generate_client_token()
    conn.revoke_client_token(token)
    with pytest.raises(PermissionDenied, match="revoked"):
        CaptureClient(client_token=token)
    short = conn.generate_client_token(expires_in=0.05)
    await asyncio.sleep(0.1)
    with pytest.raises(PermissionDenied, match="expired"):
        CaptureClient(client_token=short)
    assert cap.status == "created"


async def test_bad_channel_is_an_error_and_keeps_the_session_usable(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    with pytest.raises(NotFound, match="no capture source provides channel 'mic:nope'"):
        await client.start_session(capture_session_id=cap.id, channels=["mic:nope"])
    with pytest.raises(ValueError, match="at least one channel"):
        await client.start_session(capture_session_id=cap.id, channels=[])
    with pytest.raises(ValueError, match="listed twice"):
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "mic:tone"])
    assert cap.status == "created"
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    assert cap.status == "active"
    await client.stop_session()


async def test_device_failure_moves_session_to_failed(conn):
    from copilot.runtime.sessions import CaptureError

    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    with pytest.raises(CaptureError, match="device unplugged"):
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "mic:broken"])
    assert cap.status == "failed"
    last = (await _collect(cap, types=["capture_session"]))[-1]
    assert last.status == "failed" and "device unplugged" in last.reason
    # the tone source that did open was stopped again
    assert all(h.stopped.is_set() for h in conn.runtime.sources._sources["test-tone"].handles)
