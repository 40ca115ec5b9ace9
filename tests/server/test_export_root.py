"""Exports over the API land under the home or the configured export root, nowhere else (no
absolute path elsewhere, no `..`, no symlink out), and a path that cannot be written is a
clear 4xx, not a 500 — the session stays stopped and can be exported again."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect

from tests.server.conftest import run_backend


def _stopped_session(backend, h) -> str:
    sid = httpx.post(f"{backend.url}/v1/capture_sessions", headers=h, json={}).json()["id"]
    url = backend.url.replace("http://", "ws://") + "/v1/ingest"
    with connect(url, additional_headers=h) as ws:
        start = {"op": "start", "capture_session_id": sid, "channels": [{"channel_id": "mic:x"}]}
        ws.send(json.dumps(start))
        assert json.loads(ws.recv(timeout=10))["op"] == "started"
        ws.send(json.dumps({"op": "stop"}))
        while json.loads(ws.recv(timeout=20))["op"] != "stopped":
            pass
    return sid


def test_exports_stay_under_the_home_or_the_export_root(home, sources, tmp_path):
    root = tmp_path / "exports-root"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root.mkdir()
    (root / "out").symlink_to(elsewhere, target_is_directory=True)
    with run_backend(home, [sources], export_root=str(root)) as backend:
        h = {"authorization": f"Bearer {backend.api_key}"}
        sid = _stopped_session(backend, h)
        url = f"{backend.url}/v1/capture_sessions/{sid}/export"
        for out_dir in (
            str(elsewhere / "x"),  # an absolute path anywhere else
            "/etc/copilot-export",
            "../../elsewhere/x",  # a way out of the root
            str(root / "out" / "x"),  # a symlink out of the root
        ):
            resp = httpx.post(url, headers=h, json={"out_dir": out_dir})
            assert resp.status_code == 403, (out_dir, resp.text)
            message = resp.json()["error"]["message"]
            assert str(root) in message and str(home) in message, message
        assert list(elsewhere.iterdir()) == []
        # not writable: a file stands where a folder must go
        (home / "blocker").write_text("not a folder")
        resp = httpx.post(url, headers=h, json={"out_dir": str(home / "blocker" / "x")})
        assert resp.status_code == 400, resp.text
        assert "cannot write the export" in resp.json()["error"]["message"]
        session = httpx.get(f"{backend.url}/v1/capture_sessions/{sid}", headers=h).json()
        assert session["status"] == "stopped"
        # allowed: the default, a name under the root, a path under the home
        default = httpx.post(url, headers=h, json={}).json()["path"]
        assert default == str(root / sid)
        named = httpx.post(url, headers=h, json={"out_dir": "meeting-1"}).json()["path"]
        assert named == str(root / "meeting-1") and (root / "meeting-1" / "events.jsonl").exists()
        under_home = str(home / "mine")
        assert httpx.post(url, headers=h, json={"out_dir": under_home}).json()["path"] == under_home


def test_without_an_export_root_exports_go_under_the_home(home, sources, tmp_path):
    with run_backend(home, [sources]) as backend:
        h = {"authorization": f"Bearer {backend.api_key}"}
        sid = _stopped_session(backend, h)
        url = f"{backend.url}/v1/capture_sessions/{sid}/export"
        assert httpx.post(url, headers=h, json={"out_dir": str(tmp_path / "x")}).status_code == 403
        path = httpx.post(url, headers=h, json={}).json()["path"]
        assert path == str(home / "exports" / sid)
        named = httpx.post(url, headers=h, json={"out_dir": "notes"}).json()["path"]
        assert named == str(home / "exports" / "notes")
