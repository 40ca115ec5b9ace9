"""Capture sessions through the public API, embedded and served: the state machine, tokens,
RTStreams, events and export."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

import copilot
from copilot.errors import CopilotError, IllegalTransition, NotEnabled, NotFound, PermissionDenied

API_PROFILE = "bare"


async def _collect(cap, **kw):
    return [ev async for ev in cap.events(**kw)]


def test_create_get_list(api):
    conn = api.conn
    cap = conn.create_capture_session(
        end_user_id="user_abc", callback_url=None, metadata={"app": "x"}
    )
    assert cap.id.startswith("cap-") and cap.status == "created"
    again = conn.get_capture_session(cap.id)
    assert (again.id, again.end_user_id, again.metadata) == (cap.id, "user_abc", {"app": "x"})
    created = conn.list_capture_sessions(status="created")
    assert cap.id in [c.id for c in created] and {c.status for c in created} == {"created"}
    assert cap.id not in [c.id for c in conn.list_capture_sessions(status="active")]
    assert [c.id for c in conn.list_capture_sessions(limit=1)] == [cap.id]  # newest first
    with pytest.raises(NotFound, match="no capture session"):
        conn.get_capture_session("cap-nope")
    with pytest.raises(ValueError, match="unknown status"):
        conn.list_capture_sessions(status="running")


async def test_every_legal_transition_is_an_event(api, tmp_path):
    conn = api.conn
    cap = conn.create_capture_session(end_user_id="u")
    client = api.client(conn.generate_client_token(expires_in=600))
    channels = await client.list_channels()
    await client.start_session(
        capture_session_id=cap.id,
        channels=[channels.mics.default, "system_audio:tone", "display:1"],
        primary_video_channel_id="display:1",
    )
    assert cap.status == "active"
    assert cap.id in [c.id for c in conn.list_capture_sessions(status="active")]
    await client.stop_session()
    assert cap.status == "stopped"
    out = cap.export(api.home / "export")  # over the API, exports stay under the home
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


async def test_illegal_transitions_raise_clear_errors(api, tmp_path):
    conn = api.conn
    cap = conn.create_capture_session()
    with pytest.raises(IllegalTransition, match="stop it before exporting"):
        cap.export(api.home / "x")
    client = api.client(conn.generate_client_token())
    with pytest.raises(CopilotError, match="no session started"):
        await client.stop_session()
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    with pytest.raises(IllegalTransition, match="from 'active' to 'starting'"):
        await api.client(conn.generate_client_token()).start_session(
            capture_session_id=cap.id, channels=["mic:tone"]
        )
    await client.stop_session()
    with pytest.raises(IllegalTransition, match="from 'stopped' to 'stopping'"):
        await client.stop_session()
    # a rejected transition leaves no trace in the log
    statuses = [ev.status for ev in await _collect(cap, types=["capture_session"])]
    assert statuses == ["created", "starting", "active", "stopping", "stopped"]
    await client.shutdown()


async def test_rtstreams_one_per_channel_with_categories(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
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
    assert (mic.category, screen.category, mic.capture_session_id) == ("mic", "display", cap.id)
    with pytest.raises(ValueError, match="unknown channel kind"):
        cap.get_rtstream("camera")
    await client.stop_session()
    # streams are kept after the session ends
    assert [s.id for s in conn.get_capture_session(cap.id).get_rtstream("mic")] == [mic.id]
    await client.shutdown()


async def test_active_event_lists_rtstreams(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    await client.stop_session()
    active = [e for e in await _collect(cap, types=["capture_session"]) if e.status == "active"]
    ids = {r["id"] for r in active[0].data["rtstreams"]}
    assert ids == {s.id for s in cap.rtstreams}
    await client.shutdown()


async def test_rtstream_methods_say_not_enabled(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
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
        cap.search("budget")
    with pytest.raises(NotEnabled, match="search"):
        conn.search("budget")
    await client.stop_session()
    await client.shutdown()


async def test_emit_and_get_transcript_read_finals_from_the_log(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    mic = cap.get_rtstream("mic")[0]
    base = {"type": "transcript", "rtstream_id": mic.id, "channel": "mic:tone"}
    cap.emit({**base, "text": "hello", "is_final": False, "start": 0.0, "end": 0.5})
    first = cap.emit({**base, "text": "hello there", "is_final": True, "start": 0.0, "end": 1.0})
    cap.emit({**base, "text": "second", "is_final": True, "start": 5.0, "end": 6.0})
    assert first.seq > 0 and first.capture_session_id == cap.id
    page = mic.get_transcript()
    assert [e.text for e in page] == ["hello there", "second"]
    assert page.total == 2 and page.text == "hello there second"
    assert [e.text for e in mic.get_transcript(start=4.0)] == ["second"]
    assert [e.text for e in mic.get_transcript(since=first.seq)] == ["second"]
    assert [e.text for e in mic.get_transcript(page=2, page_size=1)] == ["second"]
    assert cap.get_rtstream("display")[0].get_transcript().total == 0
    other = conn.create_capture_session()
    stray = cap.emit(
        {**base, "capture_session_id": other.id, "text": "mine", "is_final": True, "start": 7.0}
    )
    assert stray.capture_session_id == cap.id  # the handle decides the session, not the body
    assert [e.text for e in mic.get_transcript(since=first.seq)] == ["second", "mine"]
    with pytest.raises(ValueError, match="invalid 'transcript' event"):
        cap.emit({**base, "text": "x"})
    with pytest.raises(ValueError, match="page and page_size start at 1"):
        mic.get_transcript(page=0)
    await client.stop_session()
    await client.shutdown()


async def test_events_resume_from_a_seq_and_filter_by_type(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    await client.pause("mic:tone")
    await client.resume("mic:tone")
    await client.stop_session()
    events = await _collect(cap)
    assert [e.status for e in events if e.type == "channel"] == ["paused", "resumed"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.seq for e in await _collect(cap, since=3)] == [e.seq for e in events[3:]]
    assert [e.id for e in await _collect(client)] == [e.id for e in events]  # the client's view
    polled, page = cap.poll(since=1, limit=2, types=["capture_session"])
    assert [e.status for e in polled] == ["starting", "active"]
    assert page["next_since"] == polled[-1].seq and not page["ended"]
    rest, page = cap.poll(since=page["next_since"], types=["capture_session"])
    assert [e.status for e in rest] == ["stopping", "stopped"] and page["ended"]
    await client.shutdown()


async def test_client_token_rules(api):
    conn = api.conn
    cap = conn.create_capture_session()
    other = conn.create_capture_session()
    scoped = conn.generate_client_token(expires_in=60, capture_session_id=other.id)
    with pytest.raises(PermissionDenied, match="scoped to capture session"):
        await api.client(scoped).start_session(capture_session_id=cap.id, channels=["mic:tone"])

    async def refused(token):  # refused when the client is made, or at the latest on start
        await api.client(token).start_session(capture_session_id=cap.id, channels=["mic:tone"])

    with pytest.raises(PermissionDenied, match="signature"):
        await refused(scoped[:-4] + "AAAA")
    with pytest.raises(PermissionDenied, match=r"malformed|neither an API key"):
        await refused("not-a-token")
    token = conn.generate_client_token()
    conn.revoke_client_token(token)
    with pytest.raises(PermissionDenied, match="revoked"):
        await refused(token)
    short = conn.generate_client_token(expires_in=0.05)
    await asyncio.sleep(0.1)
    with pytest.raises(PermissionDenied, match="expired"):
        await refused(short)
    with pytest.raises(NotFound):
        conn.generate_client_token(capture_session_id="cap-nope")
    assert cap.status == "created"


async def test_bad_channel_is_an_error_and_keeps_the_session_usable(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
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
    await client.shutdown()


async def test_device_failure_moves_session_to_failed(api):
    from copilot.runtime.sessions import CaptureError

    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
    opened = len(api.sources.tone.handles)
    with pytest.raises(CaptureError, match="device unplugged"):
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "mic:broken"])
    assert cap.status == "failed"
    last = (await _collect(cap, types=["capture_session"]))[-1]
    assert last.status == "failed" and "device unplugged" in last.reason
    # the tone source that did open was stopped again
    assert len(api.sources.tone.handles) == opened + 1
    assert all(h.stopped.is_set() for h in api.sources.tone.handles)
    await client.shutdown()


class Echo:
    """A run-time plugin: answers each final transcript of its session with an alert."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.seen: list[str] = []

    @copilot.hookimpl
    def copilot_transcript(self, event, session):
        if session.id != self.session_id:
            return None
        self.seen.append(session.id)
        if event.is_final:
            return {"type": "alert", "label": "echo", "confidence": 0.5, "text": event.text}
        return None


async def test_run_time_plugin_results_are_persisted(api):
    conn = api.connect()
    try:
        cap = conn.create_capture_session()
        echo = Echo(cap.id)
        assert conn.register_plugin(echo, f"echo-{cap.id}") == f"echo-{cap.id}"
        cap.emit({"type": "transcript", "text": "hello", "is_final": True})

        async def first_alert():
            async with contextlib.aclosing(cap.events(types=["alert"])) as events:
                async for ev in events:
                    return ev

        alert = await asyncio.wait_for(first_alert(), 10)
        assert (alert.label, alert.text, alert.capture_session_id) == ("echo", "hello", cap.id)
        assert echo.seen == [cap.id]
    finally:
        conn.close()


async def test_delete_a_session_that_is_over(api):
    """Defect 6: served, conn.delete_capture_session did not exist."""
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    with pytest.raises(IllegalTransition, match="stop it before deleting"):
        conn.delete_capture_session(cap.id)
    await client.stop_session()
    await client.shutdown()
    conn.delete_capture_session(cap.id)
    with pytest.raises(NotFound):
        conn.get_capture_session(cap.id)
    assert cap.id not in [c.id for c in conn.list_capture_sessions()]
    assert not (api.home / "sessions" / cap.id).exists()
    with pytest.raises(NotFound):
        conn.delete_capture_session(cap.id)
