"""The bundled sample meeting replayed through a connection: real speech, live transcripts."""

from __future__ import annotations

from pathlib import Path

import copilot
from copilot.capture import CaptureClient

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"


async def replay_sample(conn, **session: object):
    """Both channels at full speed, transcribed; returns the stopped session's handle."""
    cap = conn.create_capture_session(**session)
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(
        capture_session_id=cap.id,
        channels=[
            {"channel_id": f"{kind}:file", "path": str(SAMPLE / f"{kind}.ogg"), "speed": "max"}
            for kind in ("mic", "system_audio")
        ],
        stop_when_sources_end=True,
    )
    for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
        rts.start_transcript()
    [e async for e in client.events()]
    return cap
