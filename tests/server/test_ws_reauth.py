"""Open WebSockets do not outlive their credential: when the client token or API key is
revoked, or the token expires, `/ws`, `/v1/events/ws` and `/v1/ingest` are closed with the
policy code (1008) and an `op: error` saying why, and no later event reaches them."""

from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from copilot.server.auth import ApiKeys
from tests.server.conftest import run_backend


@pytest.fixture
def backend(home, sources):
    with run_backend(home, [sources], auth_recheck_interval=0.2) as b:
        yield b


def _open(backend, path: str, credential: str):
    url = backend.url.replace("http://", "ws://") + path
    return connect(url, additional_headers={"authorization": f"Bearer {credential}"})


def _until_closed(ws, timeout: float = 10.0) -> tuple[list[dict], int]:
    """Messages received until the server closes the socket, and the close code."""
    got = []
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as closed:
        while time.monotonic() < deadline:
            got.append(json.loads(ws.recv(timeout=deadline - time.monotonic())))
    return got, closed.value.rcvd.code


def test_revoked_and_expired_tokens_close_open_sockets(backend):
    remote = backend.remote()
    cap = remote.create_capture_session()
    token = remote.generate_client_token(capture_session_id=cap.id)
    short = remote.generate_client_token(expires_in=1.0, capture_session_id=cap.id)
    with (
        _open(backend, f"/ws?capture_session_id={cap.id}&until_end=false", token) as live,
        _open(backend, "/v1/ingest", token) as ingest,
        _open(backend, f"/ws?capture_session_id={cap.id}&until_end=false", short) as expiring,
    ):
        assert json.loads(live.recv(timeout=10))["seq"] == 1
        assert json.loads(expiring.recv(timeout=10))["seq"] == 1
        ingest.send(json.dumps({"op": "ping"}))
        assert json.loads(ingest.recv(timeout=10))["op"] == "pong"
        # expiry: closed once the token's time is up, no reconnect needed
        got, code = _until_closed(expiring)
        assert code == 1008 and got[-1]["op"] == "error" and "expired" in got[-1]["message"]
        remote.revoke_client_token(token)
        for ws in (live, ingest):
            got, code = _until_closed(ws)
            assert code == 1008, code
            assert got[-1]["op"] == "error" and got[-1]["status"] == 401
            assert "revoked" in got[-1]["message"]
            assert [m for m in got if "seq" in m] == []  # nothing after the revocation
        cap.emit({"type": "alert", "label": "later", "confidence": 0.5})
    remote.close()


def test_a_revoked_api_key_closes_the_all_sessions_socket(backend):
    rt = backend.rt
    kid, key = rt.call(lambda: ApiKeys(rt.store).create("short-lived"))
    remote = backend.remote()
    with _open(backend, "/v1/events/ws", key) as ws:
        ws.send(json.dumps({"op": "subscribe", "since": None}))
        assert json.loads(ws.recv(timeout=10))["op"] == "subscribed"
        cap = remote.create_capture_session()
        assert json.loads(ws.recv(timeout=10))["capture_session_id"] == cap.id
        rt.call(lambda: ApiKeys(rt.store).revoke(kid))
        got, code = _until_closed(ws)
        assert code == 1008 and got[-1]["op"] == "error" and "revoked" in got[-1]["message"]
    remote.close()
