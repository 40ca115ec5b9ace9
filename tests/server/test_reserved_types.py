"""Lifecycle types come only from the runtime: a forged `capture_session` (or `plugin_error`,
`channel`, `unreadable`) through the API or a server plugin's result is refused, logged
nowhere and sent as no webhook."""

from __future__ import annotations

import time

import httpx

from copilot import hookimpl
from tests.server.conftest import run_backend


class Forger:
    @hookimpl
    def copilot_alert(self, event):
        if event.label == "forge":
            return {"type": "capture_session", "status": "stopped", "previous": "active"}
        return None


FORGED = [
    {"type": "capture_session", "status": "stopped", "previous": "active"},
    {"type": "plugin_error", "plugin": "transcript", "hook": "x", "error": "fake"},
    {"type": "channel", "status": "failed", "reason": "fake"},
    {"type": "unreadable", "original_type": "alert", "error": "fake"},
]


def test_forged_lifecycle_events_are_refused(home, sources, receiver):
    with run_backend(home, [sources, Forger()]) as backend:
        remote = backend.remote()
        receiver.secret = remote.webhook_secret()
        cap = remote.create_capture_session(callback_url=receiver.url)
        url = f"{backend.url}/v1/capture_sessions/{cap.id}/emit"
        h = {"authorization": f"Bearer {backend.api_key}"}
        for body in FORGED:
            resp = httpx.post(url, headers=h, json=body)
            assert resp.status_code == 422, resp.text
            assert "reserved" in resp.json()["error"]["message"]
        cap.emit({"type": "alert", "label": "forge", "confidence": 0.5})
        deadline = time.monotonic() + 10
        while not cap.poll(types=["plugin_error"])[0] and time.monotonic() < deadline:
            time.sleep(0.05)
        (err,) = cap.poll(types=["plugin_error"])[0]
        assert (err.plugin, err.kind) == ("Forger", "invalid_result")
        assert "reserved" in err.error
        receiver.wait_for(lambda: [e["event"] for e in receiver.events(cap.id)][-1:] == ["alert"])
        assert [e.status for e in cap.poll(types=["capture_session"])[0]] == ["created"]
        assert cap.status == "created"
        assert [e["event"] for e in receiver.events(cap.id)] == ["capture_session.created", "alert"]
        remote.close()
