"""The two-runtime flow end to end over 127.0.0.1: a backend (API key, webhook receiver) and
a capture client (client token only) streaming the sample meeting; on
`capture_session.active` the backend starts the real faster-whisper transcript; transcript
events reach the backend over the WebSocket."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import builtin_plugins.transcript as transcript_plugin
import copilot
from agents.two_runtimes import client as client_agent
from agents.two_runtimes.backend import WebhookBackend
from copilot.audio.wer import wer
from copilot.text.revisions import newest_finals
from tests.server.conftest import run_backend

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
REFERENCE = json.loads((SAMPLE / "reference.json").read_text())


@pytest.mark.slow
async def test_two_runtimes_sample_meeting(home, client_sources):
    with run_backend(home, [transcript_plugin], drain_timeout=120) as backend:
        conn = backend.remote()
        hooks = WebhookBackend(conn)
        try:
            cap, token = hooks.create_session()
            config = {"base_url": backend.url, "capture_session_id": cap.id, "token": token}
            # the backend follows the session over the WebSocket while the client streams
            backend_events = asyncio.ensure_future(_collect(cap))
            channels = [{"channel_id": "mic:file", "path": str(SAMPLE / "mic.ogg"), "speed": 6}]
            client_events = await client_agent.run(config, channels, sources=client_sources)
            events = await asyncio.wait_for(backend_events, 120)
        finally:
            hooks.close()
        assert cap.status == "stopped"
        assert [m["event"] for m in hooks.received][:3] == [
            "capture_session.created",
            "capture_session.starting",
            "capture_session.active",
        ]
        assert hooks.started and not hooks.errors
        finals = newest_finals(events)  # one per utterance: refined text where revised
        assert finals and all(e.speaker == "me" and e.channel == "mic:file" for e in finals)
        ref = " ".join(u["text"] for u in REFERENCE["utterances"] if u["channel"] == "mic")
        assert wer(ref, " ".join(e.text for e in finals)) <= 0.25
        # the capture client saw the same log
        assert [e.id for e in client_events] == [e.id for e in events]
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        conn.close()


async def _collect(cap):
    return [ev async for ev in cap.events()]
