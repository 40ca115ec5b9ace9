"""The capture client through the public API, embedded and served: permissions, channels,
pause and resume, sources that end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import copilot

API_PROFILE = "bare"


async def test_permissions_report_granted_or_denied_with_reason(api):
    client = api.client(api.conn.generate_client_token())
    mic = await client.request_permission("microphone")
    assert mic.granted and mic.kind == "mic"
    screen = await client.request_permission("screen")
    assert not screen.granted and "no display" in screen.reason
    with pytest.raises(ValueError, match="unknown channel kind 'webcam'"):
        await client.request_permission("webcam")


async def test_list_channels_groups_and_defaults(api):
    client = api.client(api.conn.generate_client_token())
    channels = await client.list_channels()
    assert [c.id for c in channels.mics] == ["mic:tone", "mic:broken", "mic:garbled"]
    assert channels.mics.default.id == "mic:tone"
    assert channels.system_audio.default.id == "system_audio:tone"
    assert channels.displays.primary.id == "display:1"
    assert channels.get("display:1").details == {"w": 64}


async def test_pause_stops_frames_and_resume_restarts(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone", "display:1"])

    def frames():
        return conn.stats()["channels"][f"{cap.id}/mic:tone"]["frames"]

    async def settled():  # frames already on their way (over the network) arrive first
        last = -1
        while (now := frames()) != last:
            last = now
            await asyncio.sleep(0.15)
        return now

    await asyncio.sleep(0.3)
    assert frames() > 0
    await client.pause("mic:tone")
    assert api.sources.tone.handles[-1].paused.is_set()  # the device itself pauses
    paused_at = await settled()
    await asyncio.sleep(0.3)
    assert frames() == paused_at
    await client.resume("mic:tone")
    assert not api.sources.tone.handles[-1].paused.is_set()
    await asyncio.sleep(0.3)
    assert frames() > paused_at
    await client.stop_session()
    statuses = [e.status async for e in cap.events(types=["channel"])]
    assert statuses == ["paused", "resumed"]
    await client.shutdown()


async def test_session_stops_itself_when_file_like_sources_end(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token())
    await client.start_session(
        capture_session_id=cap.id,
        channels=[{"channel_id": "mic:tone", "seconds": 0.2, "pace": 0}],
        stop_when_sources_end=True,
    )
    events = [e async for e in client.events()]
    assert events[-1].status == "stopped"
    ended = [e for e in events if e.type == "channel"]
    assert [(e.channel, e.status) for e in ended] == [("mic:tone", "ended")]
    await client.shutdown()


async def test_a_frame_that_cannot_be_used_is_counted_and_reported(api):
    """Defect 1: a frame the transport could not send vanished into the client's stderr and
    the channel said it ended normally."""
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(
        capture_session_id=cap.id, channels=["mic:garbled"], stop_when_sources_end=True
    )
    events = [e async for e in client.events()]
    (error,) = [e for e in events if e.type == "plugin_error"]
    assert (error.plugin, error.channel) == ("capture", "mic:garbled")
    assert "1 frame could not be" in error.error and "dict" in error.error
    (ended,) = [e for e in events if e.type == "channel"]
    assert ended.status == "failed" and "1 frame could not be" in ended.reason
    assert events[-1].status == "stopped"
    if api.served:
        assert client.stats["frame_errors"] == 1
    await client.shutdown()


CAPTURE_ONLY = """
import asyncio, os, sys
from copilot.capture import CaptureClient

async def main():
    client = CaptureClient(client_token=os.environ["TOKEN"])  # no base_url, no runtime here
    await client.start_session(
        capture_session_id=sys.argv[1],
        channels=[{"channel_id": "mic:file", "path": sys.argv[2], "speed": "max"}],
        stop_when_sources_end=True,
    )
    events = [e async for e in client.events()]
    print(type(client).__name__, events[-1].status)

asyncio.run(main())
"""


def test_a_capture_only_process_finds_the_server_in_copilot_base_url(api, tmp_path):
    """Defect 6: CaptureClient(client_token=...) with no embedded runtime in the process
    refused to start instead of reading COPILOT_BASE_URL."""
    import os
    import subprocess
    import sys

    if not api.served:
        pytest.skip("a process without an embedded runtime talks to a server")
    cap = api.conn.create_capture_session()
    token = api.conn.generate_client_token(capture_session_id=cap.id)
    audio = Path(copilot.__file__).parent / "data" / "sample_meeting" / "mic.ogg"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env.update(COPILOT_BASE_URL=api.base_url, COPILOT_HOME=str(tmp_path), TOKEN=token)
    out = subprocess.run(
        [sys.executable, "-c", CAPTURE_ONLY, cap.id, str(audio)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["RemoteCaptureClient", "stopped"]
    assert cap.status == "stopped"
    assert [e.status for e in cap.poll(types=["channel"])[0]] == ["ended"]
