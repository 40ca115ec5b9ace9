"""No session hijack over media ingest: a client token binds to the session it starts (or was
minted for), nobody else attaches to a session whose client is connected, and a frame seq far
ahead of the last one is refused instead of swallowing the real client's later frames."""

from __future__ import annotations

import json

import numpy as np
from websockets.sync.client import connect

from copilot.capture.frames import AudioFrame
from copilot.server import framing


def _ingest(backend, token: str):
    url = backend.url.replace("http://", "ws://") + "/v1/ingest"
    return connect(url, additional_headers={"authorization": f"Bearer {token}"}, max_size=2**24)


def _ask(ws, msg: dict | bytes) -> dict:
    """Send a control message (or a frame followed by a ping); the server's first answer."""
    ws.send(msg if isinstance(msg, bytes) else json.dumps(msg))
    if isinstance(msg, bytes):  # frames have no answer of their own: an error, or the pong
        ws.send(json.dumps({"op": "ping"}))
        replies = []
        while not replies or replies[-1]["op"] != "pong":
            replies.append(json.loads(ws.recv(timeout=10)))
        errors = [r for r in replies if r["op"] == "error"]
        return errors[0] if errors else replies[-1]
    while True:
        reply = json.loads(ws.recv(timeout=10))
        if reply["op"] != "ack":
            return reply


def _frame(seq: int, pts: float | None = None) -> bytes:
    samples = np.zeros(320, np.float32)
    return framing.encode(0, seq, AudioFrame(samples, 16000, seq * 0.02 if pts is None else pts))


START = {"op": "start", "channels": [{"channel_id": "mic:remote"}]}


def test_a_token_binds_to_its_session_and_nobody_hijacks_it(backend, remote):
    a = remote.create_capture_session()
    b = remote.create_capture_session()
    owner = remote.generate_client_token(expires_in=600)  # the documented, unscoped token
    intruder = remote.generate_client_token(expires_in=600)
    minted_for_a = remote.generate_client_token(capture_session_id=a.id)
    with _ingest(backend, owner) as ws:
        assert _ask(ws, {**START, "capture_session_id": a.id})["op"] == "started"
        assert _ask(ws, _frame(0))["op"] == "pong"
        # the owner's token is bound to a: it cannot start (or attach to) another session
        with _ingest(backend, owner) as other:
            reply = _ask(other, {**START, "capture_session_id": b.id})
            assert reply["op"] == "error" and a.id in reply["message"], reply
            reply = _ask(other, {"op": "attach", "capture_session_id": b.id, "channels": []})
            assert reply["op"] == "error"
        assert b.status == "created"
        # another token cannot attach to a, inject frames or stop it — not even one minted for
        # a while a's client is connected
        for token in (intruder, minted_for_a):
            with _ingest(backend, token) as evil:
                attach = {"op": "attach", "capture_session_id": a.id, "channels": ["mic:remote"]}
                reply = _ask(evil, attach)
                assert reply["op"] == "error" and reply["status"] in (401, 403, 409), reply
                assert _ask(evil, _frame(1_000_000))["op"] == "error"
                assert _ask(evil, {"op": "stop"})["op"] == "error"
        assert a.status == "active"
        # the owner's frames still count (none was taken as a duplicate)
        for seq in (1, 2, 3):
            assert _ask(ws, _frame(seq))["op"] == "pong"
        assert _ask(ws, {"op": "ping"})["seqs"] == {"0": 3}
        # an unscoped token that was never used cannot read a's events either
        other_reader = remote.generate_client_token()
        import httpx

        resp = httpx.get(
            f"{backend.url}/v1/capture_sessions/{a.id}/events",
            headers={"authorization": f"Bearer {other_reader}"},
        )
        assert resp.status_code == 401
        # the owner reconnecting (a network blip) is not an intruder
        with _ingest(backend, owner) as again:
            attach = {"op": "attach", "capture_session_id": a.id, "channels": ["mic:remote"]}
            assert _ask(again, attach)["op"] == "attached"
            assert _ask(again, {"op": "stop"})["op"] == "stopped"
    assert a.status == "stopped"


def test_a_token_minted_for_a_session_may_take_over_once_its_client_is_gone(backend, remote):
    a = remote.create_capture_session()
    owner = remote.generate_client_token()
    with _ingest(backend, owner) as ws:
        assert _ask(ws, {**START, "capture_session_id": a.id})["op"] == "started"
    minted = remote.generate_client_token(capture_session_id=a.id)
    with _ingest(backend, minted) as ws:
        attach = {"op": "attach", "capture_session_id": a.id, "channels": ["mic:remote"]}
        assert _ask(ws, attach)["op"] == "attached"
        assert _ask(ws, {"op": "stop"})["op"] == "stopped"


def test_seq_jumps_are_bounded(backend, remote):
    a = remote.create_capture_session()
    token = remote.generate_client_token(capture_session_id=a.id)
    with _ingest(backend, token) as ws:
        assert _ask(ws, {**START, "capture_session_id": a.id})["op"] == "started"
        assert _ask(ws, _frame(0))["op"] == "pong"
        reply = _ask(ws, _frame(1_000_000, pts=0.02))
        assert reply["op"] == "error" and reply["code"] == "bad_frame" and "seq" in reply["message"]
        for seq in (1, 2):
            assert _ask(ws, _frame(seq))["op"] == "pong"
        assert _ask(ws, {"op": "ping"})["seqs"] == {"0": 2}
        assert _ask(ws, {"op": "stop"})["op"] == "stopped"
