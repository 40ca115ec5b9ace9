"""The hosted SDK's workflow as three processes on 127.0.0.1: a real `copilot serve` with every
installed plugin; a backend (this test) holding the API key, whose webhook receiver starts the
transcript, audio indexing and visual indexing on `capture_session.active`; and the capture
client agent in its own process, holding only the client token, streaming the sample meeting's
mic, system audio and screen recording. Everything the features produce must reach the
backend by WebSocket, by polling and by webhook alike."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import copilot
from agents.two_runtimes.backend import WebhookBackend
from copilot.remote import RemoteConnection
from tests.support.served import ROOT, ServedBackend

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
CLIENT = ROOT / "agents" / "two_runtimes" / "client.py"
# what webhooks carry by default (docs/server.md, `webhook_events`)
DELIVERED = {"transcript", "audio_index", "visual_index", "action_item", "alert"}


def _delivered(name: str) -> bool:
    return name in DELIVERED or name.startswith("capture_session.")


def _names(events) -> Counter:
    """Per webhook name, how many of these logged events a webhook must carry."""
    return Counter(
        e.event
        for e in events
        if _delivered(e.event) and not (e.type == "transcript" and not e.is_final)
    )


def _poll_all(cap) -> list:
    events, since = [], 0
    while True:
        page, data = cap.poll(since=since, limit=500)
        events += page
        if not page:
            return events
        since = data["next_since"]


async def _collect(cap) -> list:
    return [ev async for ev in cap.events()]


async def _run_client(config: Path, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env["COPILOT_HOME"] = str(home)  # the desktop's own home: no API key, no server state
    argv = [sys.executable, str(CLIENT), "--config", str(config), "--speed", "4"]
    argv += ["--screen", str(SAMPLE / "screens")]
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 600)
    assert proc.returncode == 0, err.decode(errors="replace")[-4000:]
    return out.decode()


async def test_hosted_flow_delivers_every_feature_by_websocket_polling_and_webhook(tmp_path):
    served = ServedBackend(
        tmp_path / "server", settings={"drain_timeout": 120.0, "plugin_timeout": 10.0}
    ).start()
    conn = RemoteConnection(served.url, served.api_key)
    hooks = WebhookBackend(conn, index_audio=True, index_visuals=True)
    try:
        cap, token = hooks.create_session()
        config = tmp_path / "client.json"
        config.write_text(
            json.dumps({"base_url": served.url, "capture_session_id": cap.id, "token": token})
        )
        live = asyncio.ensure_future(_collect(cap))  # the backend's WebSocket, from the start
        printed = await _run_client(config, tmp_path / "desktop")
        by_ws = await asyncio.wait_for(live, 180)
        by_poll = _poll_all(cap)
        expected = _names(by_poll)
        deadline = time.monotonic() + 60  # webhooks may still be on their way
        while time.monotonic() < deadline:
            by_hook = {m["id"]: m for m in hooks.received}  # at-least-once: dedup by log id
            if Counter(m["event"] for m in by_hook.values()) == expected:
                break
            await asyncio.sleep(0.5)
    except BaseException:
        print("copilot serve log:\n" + served.tail())
        raise
    finally:
        hooks.close()
        conn.close()
        served.stop()

    assert not hooks.errors, hooks.errors
    assert len(hooks.started) == 3  # mic, system audio, display
    assert [e.id for e in by_ws] == [e.id for e in by_poll]
    assert [e.seq for e in by_poll] == list(range(1, len(by_poll) + 1))
    assert by_poll[-1].event == "capture_session.stopped"
    # every feature produced something, on its own channel
    finals = [e for e in by_poll if e.type == "transcript" and e.is_final]
    assert {e.channel for e in finals} == {"mic:file", "system_audio:file1"}
    assert expected["audio_index"] >= 1
    visual = [e for e in by_poll if e.event == "visual_index"]
    assert len(visual) >= 5 and all(e.channel == "display:file" for e in visual)
    screen_alerts = [
        e
        for e in by_poll
        if e.type == "alert" and e.kind == "api_key" and e.channel == "display:file"
    ]
    assert [a.hint for a in screen_alerts] == ["sk-proj-…dA2e"]
    assert not [e for e in by_poll if e.type in ("plugin_error", "capture_error")]
    # the same counts by webhook, per kind, as by polling and over the WebSocket
    assert Counter(m["event"] for m in by_hook.values()) == expected == _names(by_ws)
    hook_alerts = [m for m in by_hook.values() if m["event"] == "alert"]
    assert [m["data"]["hint"] for m in hook_alerts if m["data"].get("kind") == "api_key"] == [
        "sk-proj-…dA2e"
    ]
    # the token-only client saw the same finals (it prints each one)
    assert len([line for line in printed.splitlines() if line.startswith("[")]) == len(finals)
