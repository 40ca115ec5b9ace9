"""A server killed with SIGKILL mid-session: after a restart no logged event is lost and the
outbox delivers every webhook that was not delivered before the kill."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from copilot.config import load_settings
from copilot.remote import RemoteConnection
from copilot.server.auth import ApiKeys
from copilot.store import open_store
from tests.server.support import Receiver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(home, port) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.server.server_main", str(home), str(port)],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not come up")


async def test_sigkill_mid_session_then_restart(home):
    store = open_store(load_settings(home=str(home)))
    _, key = ApiKeys(store).create("restart")
    store.close()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    receiver = Receiver().start()
    proc = _spawn(home, port)
    try:
        remote = RemoteConnection(url, key)
        receiver.secret = remote.webhook_secret()
        cap = remote.create_capture_session(callback_url=receiver.url)
        from copilot.remote.capture import RemoteCaptureClient

        client = RemoteCaptureClient(
            remote.generate_client_token(),
            url,
            sources=_sources(),
            reconnect_for=2.0,
        )
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
        receiver.wait_for(lambda: len(receiver.events()) >= 3)  # created, starting, active
        receiver.stop()
        for i in range(5):
            cap.emit({"type": "alert", "label": f"a{i}", "confidence": 0.5})
        before, _ = cap.poll(limit=5000)
        assert len(before) >= 8
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        await client.shutdown()
        receiver.start()
        proc = _spawn(home, port)
        after, data = cap.poll(limit=5000)
        # nothing that was logged is lost; the restarted server marked the orphan failed
        assert [(e.seq, e.id) for e in after[: len(before)]] == [(e.seq, e.id) for e in before]
        assert data["status"] == "failed" and after[-1].status == "failed"
        expected = [e for e in after if e.type in ("capture_session", "alert")]
        receiver.wait_for(
            lambda: (
                receiver.events()[-1:]
                and receiver.events()[-1]["event"] == "capture_session.failed"
            )
        )
        got = receiver.events(cap.id)
        seqs = [e["seq"] for e in got]
        assert sorted(set(seqs)) == [e.seq for e in expected]  # every one, at least once
        assert seqs == sorted(seqs)  # in order
        assert receiver.bad_signatures == 0
        remote.close()
    finally:
        receiver.stop()
        proc.kill()
        proc.wait(10)


def _sources():
    import builtin_plugins.audio_sources as audio_sources
    from copilot.remote.capture import load_sources
    from tests.support.sources import TestSourcesPlugin

    return load_sources([TestSourcesPlugin(), audio_sources], entrypoints=False)
