"""The same session API tests against the embedded `Connection` and a `RemoteConnection`."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

import copilot
from copilot.capture import CaptureClient
from copilot.errors import IllegalTransition, NotEnabled, NotFound, PermissionDenied


@pytest.fixture(params=["embedded", "remote", "public"])
def api(request):
    """(connection, make_client): the embedded runtime, or a backend over HTTP — through
    `RemoteConnection`/`RemoteCaptureClient`, or through the public `copilot.connect(base_url=...)`
    and `CaptureClient(base_url=...)`."""
    if request.param == "embedded":
        conn = request.getfixturevalue("conn")
        return conn, lambda token: CaptureClient(client_token=token, runtime=conn.runtime)
    if request.param == "remote":
        return request.getfixturevalue("remote"), request.getfixturevalue("make_client")
    backend = request.getfixturevalue("backend")
    sources = request.getfixturevalue("client_sources")
    conn = copilot.connect(base_url=backend.url, api_key=backend.api_key)
    request.addfinalizer(conn.close)
    return conn, lambda token: CaptureClient(
        client_token=token, base_url=backend.url, sources=sources
    )


async def _collect(cap, **kw):
    return [ev async for ev in cap.events(**kw)]


def test_create_get_list(api):
    conn, _ = api
    cap = conn.create_capture_session(end_user_id="user_abc", metadata={"app": "x"})
    assert cap.id.startswith("cap-") and cap.status == "created"
    again = conn.get_capture_session(cap.id)
    assert (again.id, again.end_user_id, again.metadata) == (cap.id, "user_abc", {"app": "x"})
    assert [c.id for c in conn.list_capture_sessions(status="created")] == [cap.id]
    assert conn.list_capture_sessions(status="active") == []
    with pytest.raises(NotFound, match="no capture session"):
        conn.get_capture_session("cap-nope")
    with pytest.raises(ValueError, match="unknown status"):
        conn.list_capture_sessions(status="running")


async def test_lifecycle_streams_events_and_errors(api, tmp_path):
    conn, make_client = api
    cap = conn.create_capture_session(end_user_id="u")
    client = make_client(conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(
        capture_session_id=cap.id,
        channels=["mic:tone", "display:1"],
        primary_video_channel_id="display:1",
    )
    assert cap.status == "active"
    (mic,) = cap.get_rtstream("mic")
    assert cap.get_rtstream("screen")[0].channel_id == "display:1"
    with pytest.raises(NotEnabled, match="start_transcript"):
        mic.start_transcript()
    with pytest.raises(NotEnabled, match="search"):
        mic.search("budget")
    with pytest.raises(NotEnabled, match="search"):
        conn.search("budget")
    with pytest.raises(IllegalTransition, match="from 'active' to 'starting'"):
        await make_client(conn.generate_client_token()).start_session(
            capture_session_id=cap.id, channels=["mic:tone"]
        )
    base = {"type": "transcript", "rtstream_id": mic.id, "channel": "mic:tone"}
    first = cap.emit({**base, "text": "hello there", "is_final": True, "start": 0.0, "end": 1.0})
    cap.emit({**base, "text": "second", "is_final": True, "start": 5.0, "end": 6.0})
    assert first.seq > 0
    assert [e.text for e in mic.get_transcript(since=first.seq)] == ["second"]
    other = conn.create_capture_session()
    stray = cap.emit(
        {**base, "capture_session_id": other.id, "text": "mine", "is_final": True, "start": 7.0}
    )
    assert stray.capture_session_id == cap.id  # the handle decides the session, not the body
    assert [e.text for e in mic.get_transcript(since=first.seq)] == ["second", "mine"]
    with pytest.raises(ValueError, match="invalid 'transcript' event"):
        cap.emit({**base, "text": "x"})
    with pytest.raises(IllegalTransition, match="stop it before exporting"):
        cap.export(tmp_path / "x")
    await client.pause("mic:tone")
    await client.resume("mic:tone")
    await client.stop_session()
    assert cap.status == "stopped"
    cap.export(tmp_path / "export")
    assert cap.status == "exported"
    statuses = [ev.status for ev in await _collect(cap, types=["capture_session"])]
    assert statuses == ["created", "starting", "active", "stopping", "stopped", "exported"]
    events = await _collect(cap)
    assert [e.status for e in events if e.type == "channel"] == ["paused", "resumed"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.seq for e in await _collect(cap, since=3)] == [e.seq for e in events[3:]]
    await client.shutdown()


async def test_scoped_token_refused_for_another_session(api):
    conn, make_client = api
    cap = conn.create_capture_session()
    other = conn.create_capture_session()
    client = make_client(conn.generate_client_token(capture_session_id=other.id))
    with pytest.raises(PermissionDenied, match="scoped to capture session"):
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    assert cap.status == "created"


class Echo:
    """A run-time plugin: answers each final transcript with an alert on the same session."""

    def __init__(self) -> None:
        self.sessions: list[str] = []

    @copilot.hookimpl
    def copilot_transcript(self, event, session):
        self.sessions.append(session.id)
        if event.is_final:
            return {"type": "alert", "label": "echo", "confidence": 0.5, "text": event.text}
        return None


async def test_run_time_plugin_results_are_persisted(api):
    conn, _ = api
    echo = Echo()
    assert conn.register_plugin(echo, "echo") == "echo"
    cap = conn.create_capture_session()
    cap.emit({"type": "transcript", "text": "hello", "is_final": True})

    async def first_alert():
        async with contextlib.aclosing(cap.events(types=["alert"])) as events:
            async for ev in events:
                return ev

    alert = await asyncio.wait_for(first_alert(), 10)
    assert (alert.label, alert.text, alert.capture_session_id) == ("echo", "hello", cap.id)
    assert echo.sessions == [cap.id]
