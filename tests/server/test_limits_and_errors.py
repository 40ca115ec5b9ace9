"""Bounded input and one error shape, over a real `copilot serve`: body limits count the bytes
actually read (chunked too), WebSocket messages are capped, out-of-range cursors and limits
are 400s (never a 500 from SQLite), every error is `{"error": {"type", "message"}}`, and a
client that leaves early leaves no traceback in the server's log."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.server.support import ServeProcess, make_api_key

HUGE = str(10**20)  # past SQLite's 64-bit integers


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("limits") / "home"
    key = make_api_key(home)
    with ServeProcess(home) as srv:
        h = {"authorization": f"Bearer {key}"}
        sid = httpx.post(f"{srv.url}/v1/capture_sessions", headers=h, json={}).json()["id"]
        yield srv, h, sid


def _ws(srv, path: str, h: dict, **kw):
    return connect(srv.url.replace("http://", "ws://") + path, additional_headers=h, **kw)


def _error(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, (resp.request.url, resp.status_code, resp.text)
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    return body["error"]["message"]


def test_chunked_bodies_are_limited_by_what_is_read(served):
    srv, h, sid = served

    def chunks():
        yield b'{"type": "alert", "label": "x", "confidence": 0.5, "text": "'
        for _ in range(50):  # 5 MB without a Content-Length
            yield b"a" * 100_000
        yield b'"}'

    resp = httpx.post(
        f"{srv.url}/v1/capture_sessions/{sid}/emit",
        headers={**h, "content-type": "application/json"},
        content=chunks(),
    )
    assert "limit" in _error(resp, 413)
    events = httpx.get(f"{srv.url}/v1/capture_sessions/{sid}/events", headers=h).json()
    assert [e["type"] for e in events["events"]] == ["capture_session"]  # nothing stored


def test_websocket_messages_are_limited(served):
    srv, h, _sid = served
    # the server refuses the frame by its header, before the client has sent it all: the
    # client reads the 1009 close, unless the rest it sends meets the closed socket first
    # (a reset, which discards the close frame it had not read yet)
    with _ws(srv, "/v1/ingest", h, max_size=None) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.send(b"\x00" * (16 * 1024 * 1024 + 1))
        ws.recv(timeout=10)
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1009, closed.value
    assert httpx.get(f"{srv.url}/healthz").status_code == 200
    with _ws(srv, "/v1/events/ws", h) as ws:  # the subscribe message is a control message
        ws.send(json.dumps({"op": "subscribe", "since": {f"cap-{i}": 1 for i in range(5000)}}))
        msg = json.loads(ws.recv(timeout=10))
        assert msg["op"] == "error" and msg["status"] == 413, msg


def test_out_of_range_cursors_and_limits_are_400(served):
    srv, h, sid = served
    rts = "rts-none"
    for path in (
        f"/v1/capture_sessions/{sid}/events?since={HUGE}",
        f"/v1/capture_sessions/{sid}/events?since=-5",
        f"/v1/capture_sessions/{sid}/events?limit={HUGE}",
        f"/v1/capture_sessions/{sid}/events?limit=-1",
        f"/v1/rtstreams/{rts}/transcript?since={HUGE}",
        f"/v1/rtstreams/{rts}/transcript?start=nan",
        f"/v1/capture_sessions?limit={HUGE}",
        "/v1/webhooks/attempts?limit=-1",
        f"/v1/webhooks/attempts?limit={HUGE}",
    ):
        assert _error(httpx.get(srv.url + path, headers=h), 400), path
    # the live socket says the same as polling, as an op: error message
    for since in (HUGE, "-5", "1e20", "x"):
        with _ws(srv, f"/ws?capture_session_id={sid}&since={since}", h) as ws:
            msg = json.loads(ws.recv(timeout=10))
            assert (msg["op"], msg["status"]) == ("error", 400), (since, msg)
            assert "since" in msg["message"]
    with _ws(srv, "/v1/events/ws", h) as ws:
        ws.send(json.dumps({"op": "subscribe", "since": {sid: 10**20}}))
        msg = json.loads(ws.recv(timeout=10))
        assert (msg["op"], msg["status"]) == ("error", 400), msg


def test_every_error_has_the_documented_shape(served):
    srv, h, sid = served
    emit = f"{srv.url}/v1/capture_sessions/{sid}/emit"
    json_h = {**h, "content-type": "application/json"}
    nested = b"[" * 100_000 + b"]" * 100_000
    assert _error(httpx.post(emit, headers=json_h, content=nested), 400)
    assert _error(httpx.post(emit, headers=json_h, content=b'{"type": '), 422)
    assert _error(httpx.get(f"{srv.url}/v1/nope", headers=h), 404)
    assert _error(httpx.put(f"{srv.url}/v1/capture_sessions", headers=h), 405)
    # a binary first message on the all-sessions socket is a client error, not a 500
    with _ws(srv, "/v1/events/ws", h) as ws:
        ws.send(b"\x00\x01")
        msg = json.loads(ws.recv(timeout=10))
        assert (msg["op"], msg["status"]) == ("error", 400), msg
    with _ws(srv, "/v1/events/ws", h) as ws:
        ws.send("[" * 60_000)  # under the 64 KiB message limit, past any parser's depth
        msg = json.loads(ws.recv(timeout=10))
        assert (msg["op"], msg["status"]) == ("error", 400), msg


def test_a_client_that_leaves_before_the_reply_leaves_no_traceback(served):
    srv, h, _sid = served
    before = len(srv.log)
    for _ in range(3):
        sid = httpx.post(f"{srv.url}/v1/capture_sessions", headers=h, json={}).json()["id"]
        with _ws(srv, "/v1/ingest", h) as ws:
            start = {
                "op": "start",
                "capture_session_id": sid,
                "channels": [{"channel_id": "mic:1"}],
            }
            ws.send(json.dumps(start))
            assert json.loads(ws.recv(timeout=10))["op"] == "started"
            ws.send(json.dumps({"op": "stop"}))  # and gone before the answer
        status = ""
        for _ in range(100):
            got = httpx.get(f"{srv.url}/v1/capture_sessions/{sid}", headers=h).json()
            if (status := got["status"]) == "stopped":
                break
            import time

            time.sleep(0.05)
        assert status == "stopped"
    assert httpx.get(f"{srv.url}/healthz").status_code == 200
    log = srv.log[before:]
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
