"""Start a capture session on a display replay (a folder of timed images) through the public
API; used by screen tests and bench/screen.py."""

from __future__ import annotations

from copilot.capture import CaptureClient


async def replay_display(conn, folder, *, stop_when_sources_end: bool = True):
    """(capture session, client) with `folder` replayed as fast as it can be read."""
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(
        capture_session_id=cap.id,
        channels=[{"channel_id": "display:file", "path": str(folder), "speed": "max"}],
        stop_when_sources_end=stop_when_sources_end,
    )
    return cap, client
