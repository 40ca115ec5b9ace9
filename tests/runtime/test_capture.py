"""The in-process capture transport's own cases: no source at all, frame drops in the pipe
(the public-API capture tests, embedded and served, are in tests/api/)."""

from __future__ import annotations

import asyncio

import pytest

import copilot
from copilot.capture import CaptureClient


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
