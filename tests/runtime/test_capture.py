"""The capture client over the in-process transport: permissions, channels, pause, drops."""

from __future__ import annotations

import asyncio

import pytest

import copilot
from copilot.capture import CaptureClient
from copilot.errors import PermissionDenied


async def test_permissions_report_granted_or_denied_with_reason(conn):
    client = CaptureClient(client_token=conn.generate_client_token())
    mic = await client.request_permission("microphone")
    assert mic.granted and mic.kind == "mic"
    screen = await client.request_permission("screen")
    assert not screen.granted and "no display" in screen.reason


async def test_permission_without_any_source(home):
    conn = copilot.connect(home=str(home), entrypoints=False)
    try:
        client = CaptureClient(client_token=conn.generate_client_token())
        perm = await client.request_permission("system_audio")
        assert not perm.granted
        assert perm.reason == "no capture source for system_audio is installed"
        with pytest.raises(ValueError, match="unknown channel kind 'webcam'"):
            await client.request_permission("webcam")
    finally:
        conn.close()


async def test_list_channels_groups_and_defaults(conn):
    client = CaptureClient(client_token=conn.generate_client_token())
    channels = await client.list_channels()
    assert [c.id for c in channels.mics] == ["mic:tone", "mic:broken"]
    assert channels.mics.default.id == "mic:tone"
    assert channels.system_audio.default.id == "system_audio:tone"
    assert channels.displays.primary.id == "display:1"
    assert channels.get("display:1").details == {"w": 64}


def test_capture_client_needs_a_runtime_or_a_valid_token(conn):
    with pytest.raises(PermissionDenied, match="malformed"):
        CaptureClient(client_token="not-a-token")


async def test_pause_stops_frames_and_resume_restarts(conn, sources):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])

    def frames():
        return conn.stats()["channels"][f"{cap.id}/mic:tone"]["frames"]

    await asyncio.sleep(0.3)
    assert frames() > 0
    await client.pause("mic:tone")
    paused_at = frames()
    await asyncio.sleep(0.3)
    assert frames() == paused_at
    await client.resume("mic:tone")
    await asyncio.sleep(0.3)
    assert frames() > paused_at
    await client.stop_session()
    statuses = [e.status async for e in cap.events(types=["channel"])]
    assert statuses == ["paused", "resumed"]


async def test_frame_drops_are_counted_not_silent(home, sources):
    conn = copilot.connect(home=str(home), entrypoints=False, frame_queue_size=4)
    conn.register_plugin(sources, "test-sources")

    class SlowFeature:
        name = "transcript"
        categories = frozenset({"mic"})

        def start(self, stream, **options):
            class Run:
                def on_frame(self, frame):
                    import time

                    time.sleep(0.002)  # a consumer slower than the source

                async def flush(self):
                    pass

                def stop(self):
                    pass

            return Run()

    conn.runtime.register_feature("transcript", SlowFeature())
    try:
        cap = conn.create_capture_session()
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(
            capture_session_id=cap.id, channels=[{"channel_id": "mic:tone", "pace": 0}]
        )
        cap.get_rtstream("mic")[0].start_transcript()
        await asyncio.sleep(0.5)
        stats = conn.stats()
        await client.stop_session()
        chan = stats["channels"][f"{cap.id}/mic:tone"]
        assert chan["dropped"] > 0
        assert stats["dropped"]["frames"] == chan["dropped"]
        assert chan["max_queue"] <= 4
    finally:
        conn.close()


async def test_session_stops_itself_when_file_like_sources_end(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(
        capture_session_id=cap.id,
        channels=[{"channel_id": "mic:tone", "seconds": 0.2, "pace": 0}],
        stop_when_sources_end=True,
    )
    events = [e async for e in client.events()]
    assert events[-1].status == "stopped"
    ended = [e for e in events if e.type == "channel"]
    assert [(e.channel, e.status) for e in ended] == [("mic:tone", "ended")]


async def test_features_receive_frames_with_session_times_and_flush(conn):
    received = []
    flushed = []

    class Feature:
        name = "transcript"
        categories = frozenset({"mic", "system_audio"})

        def start(self, stream, **options):
            assert options == {"language": "en"}

            class Run:
                def on_frame(self, frame):
                    received.append(frame.pts)

                async def flush(self):
                    flushed.append(True)
                    stream.emit({"type": "transcript", "text": "last words", "is_final": True})

                def stop(self):
                    pass

            return Run()

    conn.runtime.register_feature("transcript", Feature())
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])
    mic = cap.get_rtstream("mic")[0]
    with pytest.raises(ValueError, match="works on mic/system_audio streams, not display"):
        cap.get_rtstream("display")[0].start_transcript(language="en")
    mic.start_transcript(language="en")
    await asyncio.sleep(0.3)
    await client.stop_session()
    assert flushed == [True]
    assert received == sorted(received) and len(received) > 3
    finals = mic.get_transcript()
    assert [e.text for e in finals] == ["last words"]
    stopping = [e async for e in cap.events(types=["capture_session"])][-2]
    assert stopping.status == "stopping" and finals.items[0].seq > stopping.seq
