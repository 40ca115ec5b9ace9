"""Where webhooks may go: link-local and cloud-metadata addresses are refused by default, and
`webhook_allow_hosts` limits callbacks to the hosts listed — checked when a session is
created and again before every delivery (a policy tightened after a restart holds for rows
already queued)."""

from __future__ import annotations

import time

import httpx
import pytest

import copilot
from tests.server.conftest import run_backend

REFUSED = [
    "http://169.254.169.254/latest/meta-data/",  # AWS/GCP/Azure metadata
    "http://169.254.10.20:8080/hook",  # any link-local address
    "http://[fe80::1]/hook",
    "http://[fd00:ec2::254]/latest",  # AWS metadata over IPv6
    "http://100.100.100.200/latest",  # Alibaba Cloud metadata
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://0.0.0.0:9000/hook",  # "this host", reached by another name
    "http://[::]:9000/hook",
]


def _create(backend, h, url) -> httpx.Response:
    return httpx.post(f"{backend.url}/v1/capture_sessions", headers=h, json={"callback_url": url})


def test_link_local_and_metadata_callbacks_are_refused_by_default(backend, receiver):
    h = {"authorization": f"Bearer {backend.api_key}"}
    for url in REFUSED:
        resp = _create(backend, h, url)
        assert resp.status_code == 400, (url, resp.text)
        assert "webhook_allow_hosts" in resp.json()["error"]["message"], url
    # the usual local receiver is fine
    ok = _create(backend, h, receiver.url)
    assert ok.status_code == 201, ok.text
    receiver.wait_for(
        lambda: [e["event"] for e in receiver.events()] == ["capture_session.created"]
    )


def test_the_embedded_api_refuses_them_too(home):
    with copilot.connect(home=str(home), entrypoints=False) as conn:
        with pytest.raises(ValueError, match="link-local"):
            conn.create_capture_session(callback_url="http://169.254.1.1/")
        with pytest.raises(ValueError, match="metadata"):
            conn.create_capture_session(callback_url="http://169.254.169.254/")
        with pytest.raises(ValueError, match="http"):
            conn.create_capture_session(callback_url="file:///etc/passwd")


def test_the_allow_list_limits_callbacks_at_create_and_at_delivery(home, sources, receiver):
    h = {}
    with run_backend(home, [sources], webhook_allow_hosts=["127.0.0.1", "*.example.org"]) as b:
        h = {"authorization": f"Bearer {b.api_key}"}
        refused = _create(b, h, f"http://localhost:{receiver.port}/hook")
        assert refused.status_code == 400
        assert "webhook_allow_hosts" in refused.json()["error"]["message"]
        assert _create(b, h, "http://hooks.example.org/x").status_code == 201
        # an address listed explicitly is allowed even where the default would refuse it
        remote = b.remote()
        receiver.stop()  # down: the created webhook stays queued
        cap = remote.create_capture_session(callback_url=receiver.url)
        cap.emit({"type": "alert", "label": "queued", "confidence": 0.5})
        remote.close()
    receiver.start()
    # restarted with a list that no longer has 127.0.0.1: queued rows are refused, not sent
    with run_backend(home, [sources], webhook_allow_hosts=["hooks.example.org"]) as b:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rows = b.webhooks.rows(cap.id)
            if rows and all(r["status"] == "dead" for r in rows):
                break
            time.sleep(0.05)
        assert [r["status"] for r in rows] == ["dead", "dead"], rows
        attempts = httpx.get(
            f"{b.url}/v1/webhooks/attempts", headers={"authorization": f"Bearer {b.api_key}"}
        ).json()["items"]
        last = {}  # newest first: the attempt each row was given up on
        for a in attempts:
            if a["capture_session_id"] == cap.id:
                last.setdefault(a["webhook_id"], a)
        assert len(last) == 2 and all("refused" in a["error"] for a in last.values()), last
    assert receiver.events(cap.id) == []
