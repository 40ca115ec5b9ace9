"""A home with the sample meeting replayed (real speech → transcripts, search index), and
helpers to read MCP tool results."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

import copilot
from copilot.capture import CaptureClient

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"


@pytest.fixture(scope="session")
def replayed(tmp_path_factory):
    """(home, session id): the sample meeting replayed, transcribed, indexed and stopped."""
    home = tmp_path_factory.mktemp("mcp") / "home"
    conn = copilot.connect(home=str(home), drain_timeout=120)

    async def run():
        cap = conn.create_capture_session(
            end_user_id="alex", metadata={"participants": ["Alex", "Priya", "Marcus"]}
        )
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(
            capture_session_id=cap.id,
            channels=[
                {"channel_id": "mic:file", "path": str(SAMPLE / "mic.ogg"), "speed": "max"},
                {
                    "channel_id": "system_audio:file",
                    "path": str(SAMPLE / "system_audio.ogg"),
                    "speed": "max",
                },
            ],
            stop_when_sources_end=True,
        )
        for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
            rts.start_transcript()
        [e async for e in client.events()]
        return cap.id

    try:
        session_id = asyncio.run(run())
        conn.search("warm the index up", limit=1)  # everything queued is indexed
    finally:
        conn.close()
    return home, session_id


def mcp_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    return {**env, "COPILOT_HOME": str(home), **extra}


def copilot_mcp_command(*args: str) -> tuple[str, list[str]]:
    return sys.executable, ["-m", "copilot", "mcp", *args]


def result(call) -> object:
    """A tool call's JSON result (structured when the SDK gives it, else the text)."""
    assert not call.is_error, call.content
    data = call.structured_content
    if data is not None:
        return data["result"] if set(data) == {"result"} else data
    return json.loads(call.content[0].text)
