"""The bad-credential matrix over real HTTP and WebSocket: 401 with a reason, 403 for a
client token on a backend route, and validation errors as 4xx JSON."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.sync.client import connect

from copilot.errors import PermissionDenied
from copilot.remote import RemoteConnection


def _ws(backend, path: str, token: str):
    url = backend.url.replace("http://", "ws://") + path
    return connect(url, additional_headers={"authorization": f"Bearer {token}"})


@pytest.fixture
def tokens(backend, remote):
    cap = remote.create_capture_session()
    other = remote.create_capture_session()
    revoked = remote.generate_client_token()
    remote.revoke_client_token(revoked)
    expired = remote.generate_client_token(expires_in=0.05)
    good = remote.generate_client_token(capture_session_id=cap.id)
    time.sleep(0.1)
    return {
        "cap": cap.id,
        "good": good,
        "expired": (expired, "expired"),
        "forged": (good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"), "signature"),
        "revoked": (revoked, "revoked"),
        "other_session": (remote.generate_client_token(capture_session_id=other.id), "scoped"),
        "garbage": ("cct_notatoken", "malformed"),
        "unknown_key": ("cpk_" + "x" * 43, "unknown API key"),
    }


BAD = ["expired", "forged", "revoked", "other_session", "garbage"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_client_tokens_get_401_with_reason(backend, tokens, kind):
    token, reason = tokens[kind]
    cap = tokens["cap"]
    resp = httpx.get(
        f"{backend.url}/v1/capture_sessions/{cap}/events",
        headers={"authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 401, resp.text
    assert reason in resp.json()["error"]["message"]
    # the live events socket says the same, then closes with 4401
    with _ws(backend, f"/ws?capture_session_id={cap}", token) as ws:
        msg = json.loads(ws.recv())
        assert (msg["op"], msg["status"]) == ("error", 401) and reason in msg["message"]
    # and so does media ingest (other_session is refused at `start`, naming the scope)
    with _ws(backend, "/v1/ingest", token) as ws:
        if kind != "other_session":
            msg = json.loads(ws.recv())
            assert msg["status"] == 401 and reason in msg["message"]
        else:
            ws.send(
                json.dumps(
                    {
                        "op": "start",
                        "capture_session_id": cap,
                        "channels": [{"channel_id": "mic:x"}],
                    }
                )
            )
            msg = json.loads(ws.recv())
            assert msg["op"] == "error" and "scoped to capture session" in msg["message"]


def test_client_token_on_backend_routes_is_403(backend, tokens):
    good = tokens["good"]
    headers = {"authorization": f"Bearer {good}"}
    for method, path in [
        ("POST", "/v1/capture_sessions"),
        ("GET", "/v1/capture_sessions"),
        ("GET", f"/v1/capture_sessions/{tokens['cap']}"),
        ("POST", "/v1/tokens"),
        ("GET", "/v1/stats"),
        ("POST", "/v1/rtstreams/rts-x/start_transcript"),
    ]:
        resp = httpx.request(method, backend.url + path, headers=headers, json={})
        assert resp.status_code == 403, (path, resp.text)
        assert "API key" in resp.json()["error"]["message"]
    # the same token is fine where a capture client belongs
    ok = httpx.get(f"{backend.url}/v1/capture_sessions/{tokens['cap']}/events", headers=headers)
    assert ok.status_code == 200 and ok.json()["events"][0]["status"] == "created"


async def test_unscoped_token_reads_only_the_session_it_started(backend, remote, make_client):
    cap = remote.create_capture_session()
    token = remote.generate_client_token()  # not scoped to a session
    url = f"{backend.url}/v1/capture_sessions/{cap.id}/events"
    headers = {"authorization": f"Bearer {token}"}
    resp = httpx.get(url, headers=headers)
    assert resp.status_code == 401 and "did not start it" in resp.json()["error"]["message"]
    client = make_client(token)
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    assert httpx.get(url, headers=headers).status_code == 200
    await client.stop_session()
    events = [e.type async for e in client.events()]
    assert events[0] == "capture_session" and len(events) >= 5
    await client.shutdown()


def test_api_keys_missing_unknown_revoked(backend, tokens):
    resp = httpx.get(f"{backend.url}/v1/capture_sessions")
    assert resp.status_code == 401 and "Authorization" in resp.json()["error"]["message"]
    key, reason = tokens["unknown_key"]
    with pytest.raises(PermissionDenied, match=reason):
        RemoteConnection(backend.url, key).list_capture_sessions()
    rt = backend.rt
    from copilot.server.auth import ApiKeys

    kid, fresh = rt.call(lambda: ApiKeys(rt.store).create("temp"))
    assert RemoteConnection(backend.url, fresh).list_capture_sessions() is not None
    rt.call(lambda: ApiKeys(rt.store).revoke(kid))
    with pytest.raises(PermissionDenied, match="revoked"):
        RemoteConnection(backend.url, fresh).list_capture_sessions()
    # the key itself is never stored
    assert (
        rt.call(
            lambda: rt.store.db.execute(
                "SELECT COUNT(*) FROM server_api_keys WHERE hash = ?", (fresh,)
            ).fetchone()[0]
        )
        == 0
    )


def test_validation_errors_are_4xx_json(backend, remote):
    h = {"authorization": f"Bearer {backend.api_key}"}
    cases = [
        ("POST", "/v1/capture_sessions", {"callback_url": "ftp://x"}, 422),
        ("POST", "/v1/capture_sessions", {"unknown": 1}, 422),
        ("POST", "/v1/tokens", {"expires_in": -1}, 422),
        ("GET", "/v1/capture_sessions?limit=0", None, 400),
        ("GET", "/v1/capture_sessions/cap-nope", None, 404),
        ("POST", "/v1/rtstreams/rts-nope/index_audio", {}, 404),
        ("POST", "/v1/rtstreams/rts-nope/dance", {}, 422),
    ]
    for method, path, body, status in cases:
        resp = httpx.request(method, backend.url + path, headers=h, json=body)
        assert resp.status_code == status, (path, resp.text)
        assert resp.json()["error"]["message"], path
    big = httpx.post(
        backend.url + "/v1/capture_sessions", headers=h, json={"metadata": {"x": "y" * 2_000_000}}
    )
    assert big.status_code == 413 and "limit" in big.json()["error"]["message"]
    assert remote.create_capture_session().status == "created"  # still serving
