"""Files readable by nobody else: a home that copilot creates is 0700, and the database (with
the webhook signing secret), the token secret, recordings and exports are 0600 in 0700
folders; a database an older version left 0644 is tightened when it is opened."""

from __future__ import annotations

import json
import os
import stat

import httpx
import numpy as np
from websockets.sync.client import connect

from copilot.capture.frames import AudioFrame
from copilot.server import framing
from tests.server.support import ServeProcess, make_api_key


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _loose(root) -> list[str]:
    """Every file or folder under `root` that another user could read or enter."""
    out = []
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            if _mode(path) & 0o077:
                out.append(f"{oct(_mode(path))} {os.path.relpath(path, root)}")
    return out


def _record(srv, h: dict, sid: str) -> None:
    url = srv.url.replace("http://", "ws://") + "/v1/ingest"
    with connect(url, additional_headers=h) as ws:
        start = {
            "op": "start",
            "capture_session_id": sid,
            "channels": [{"channel_id": "mic:remote"}],
        }
        ws.send(json.dumps(start))
        assert json.loads(ws.recv(timeout=10))["op"] == "started"
        tone = (0.1 * np.sin(np.arange(320) / 3)).astype(np.float32)
        for seq in range(25):
            ws.send(framing.encode(0, seq, AudioFrame(tone, 16000, seq * 0.02)))
        ws.send(json.dumps({"op": "stop"}))
        while json.loads(ws.recv(timeout=20))["op"] != "stopped":
            pass


def test_home_database_secrets_recordings_and_exports_are_private(tmp_path):
    os.umask(0o022)  # the usual umask: what copilot writes must not depend on it
    home = tmp_path / "fresh" / "home"  # does not exist yet: copilot creates it
    with ServeProcess(home) as srv:
        key = make_api_key(home)
        h = {"authorization": f"Bearer {key}"}
        secret = httpx.get(f"{srv.url}/v1/webhooks/secret", headers=h).json()["secret"]
        sid = httpx.post(
            f"{srv.url}/v1/capture_sessions",
            headers=h,
            json={"callback_url": "http://127.0.0.1:9/hook"},
        ).json()["id"]
        _record(srv, h, sid)
        resp = httpx.post(f"{srv.url}/v1/capture_sessions/{sid}/export", headers=h, json={})
        assert resp.status_code == 200, resp.text
        export = resp.json()["path"]
    assert _mode(home) == 0o700
    for name in ("copilot.db", "secret.key"):
        assert _mode(home / name) == 0o600, name
    recordings = list((home / "sessions" / sid / "audio").iterdir())
    assert recordings and all(_mode(p) == 0o600 for p in recordings), recordings
    assert _mode(export) == 0o700
    exported = list(os.scandir(export))
    assert {e.name for e in exported} >= {"events.jsonl", "transcript.json", "audio"}
    assert _loose(home) == []
    # the webhook signing secret is only in files no one else can read
    for folder, _, files in os.walk(home):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                if secret.encode() in f.read():
                    assert _mode(path) & 0o077 == 0, path


def test_a_database_left_readable_is_tightened(tmp_path):
    home = tmp_path / "home"
    make_api_key(home)  # makes the database
    for name in ("copilot.db", "secret.key"):
        if (home / name).exists():
            os.chmod(home / name, 0o644)  # as an older copilot left it
    os.chmod(home, 0o755)
    with ServeProcess(home):
        pass
    assert _mode(home / "copilot.db") == 0o600
    assert _mode(home / "secret.key") == 0o600
