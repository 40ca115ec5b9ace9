"""The hosted SDK's client loop, verbatim, against a real `copilot serve` on 127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path

import copilot
from copilot.capture import CaptureClient
from tests.runtime.test_hosted_events import hosted_loop, stop_after
from tests.server.support import ServeProcess, make_api_key

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"


async def test_the_hosted_loop_against_copilot_serve(tmp_path):
    home = tmp_path / "server-home"
    home.mkdir()
    key = make_api_key(home)
    with ServeProcess(home) as served:
        conn = copilot.connect(base_url=served.url, api_key=key)
        cap = conn.create_capture_session(end_user_id="u", metadata={"app": "hosted-loop"})
        token = conn.generate_client_token(capture_session_id=cap.id)
        client = CaptureClient(client_token=token, base_url=served.url)
        await client.start_session(
            capture_session_id=cap.id,
            channels=[{"channel_id": "mic:file", "path": str(SAMPLE / "mic.ogg")}],
        )
        stopper = asyncio.create_task(stop_after(client, 1.0))
        lines = await asyncio.wait_for(hosted_loop(client), 60)
        await stopper
        await client.shutdown()
        conn.close()

    names = [line.split(": ", 1)[0] for line in lines]
    assert "capture_session.active" in names
    assert names[-2:] == ["capture_session.stopping", "recording-complete"], names
    assert "'channel': 'mic:file', 'kind': 'audio'" in lines[-1]
