"""No poisoned log: an event the log could not hand back (a non-finite number, a lone
surrogate, nesting too deep) is refused before it is persisted, and a row that cannot be read
back (written by an older version) never stops start-up, polling, `/ws` or webhooks."""

from __future__ import annotations

import json
import sqlite3

import httpx
from websockets.sync.client import connect

from copilot.config import load_settings
from copilot.server.auth import ApiKeys
from copilot.store import open_store
from tests.server.support import ServeProcess


def _post_raw(backend, path: str, raw: str) -> httpx.Response:
    return httpx.post(
        backend.url + path,
        content=raw.encode("utf-8", "surrogatepass"),
        headers={"authorization": f"Bearer {backend.api_key}", "content-type": "application/json"},
    )


def _ws_events(url: str, key: str, sid: str, count: int) -> list[dict]:
    """The first `count` events of a live session over `/ws`."""
    ws_url = url.replace("http://", "ws://") + f"/ws?capture_session_id={sid}"
    out = []
    with connect(ws_url, additional_headers={"authorization": f"Bearer {key}"}) as ws:
        while len(out) < count:
            msg = json.loads(ws.recv(timeout=10))
            assert "op" not in msg, msg
            out.append(msg)
    return out


BAD_BODIES = [
    '{"type": "alert", "label": "x", "confidence": 0.5, "created_at": Infinity}',
    '{"type": "alert", "label": "x", "confidence": 0.5, "created_at": -Infinity}',
    '{"type": "alert", "label": "x", "confidence": 0.5, "start": NaN}',
    '{"type": "alert", "label": "x", "confidence": 0.5, "end": 1e999}',
    '{"type": "transcript", "text": "ok", "is_final": true, "created_at": NaN}',
    '{"type": "probe", "nested": {"a": [1, 2, {"b": NaN}]}}',
    '{"type": "probe", "deep": ' + "[" * 200 + "]" * 200 + "}",
    '{"type": "transcript", "text": "lone \\ud800 surrogate", "is_final": true}',
    '{"type": "probe", "\\udfff": 1}',
]


def test_events_the_log_cannot_hold_are_refused_and_nothing_is_persisted(backend, remote, receiver):
    h = {"authorization": f"Bearer {backend.api_key}"}
    assert httpx.post(f"{backend.url}/v1/event_types", headers=h, json={"type": "probe"}).is_success
    receiver.secret = remote.webhook_secret()
    cap = remote.create_capture_session(callback_url=receiver.url)
    for raw in BAD_BODIES:
        resp = _post_raw(backend, f"/v1/capture_sessions/{cap.id}/emit", raw)
        assert resp.status_code == 422, (raw[:80], resp.status_code, resp.text)
        assert resp.json()["error"]["type"] == "InvalidEvent", raw[:80]
    # nothing of it reached the log; the session still polls, streams and sends webhooks
    events, _ = cap.poll()
    assert [e.type for e in events] == ["capture_session"]
    alert = cap.emit({"type": "alert", "label": "after", "confidence": 0.5})
    assert alert.seq == 2
    receiver.wait_for(lambda: [e["event"] for e in receiver.events(cap.id)][-1:] == ["alert"])
    assert [e["seq"] for e in _ws_events(backend.url, backend.api_key, cap.id, 2)] == [1, 2]


def test_a_plugin_result_the_log_cannot_hold_becomes_a_plugin_error(conn):
    class Poison:
        from copilot import hookimpl

        @hookimpl
        def copilot_alert(self, event):
            if event.label == "go":
                return {"type": "alert", "label": "bad", "confidence": 0.5, "end": float("nan")}
            return None

    conn.register_plugin(Poison(), "poison")
    cap = conn.create_capture_session()
    cap.emit({"type": "alert", "label": "go", "confidence": 0.5})
    rt = conn.runtime

    def errors():
        return rt.call(lambda: rt.log.read(cap.id, types=["plugin_error"]))

    import time

    deadline = time.monotonic() + 10
    while not errors() and time.monotonic() < deadline:
        time.sleep(0.02)
    (err,) = errors()
    assert (err.plugin, err.kind) == ("poison", "invalid_result")
    assert "finite" in err.error
    labels = [e.label for e in rt.call(lambda: rt.log.read(cap.id, types=["alert"]))]
    assert labels == ["go"]


def _insert_rows(home, sid: str, rows: list[tuple[str, float | None, str]]) -> list[int]:
    """Rows as an older copilot could write them, straight into the log."""
    db = sqlite3.connect(home / "copilot.db")
    (last,) = db.execute(
        "SELECT MAX(seq) FROM events WHERE capture_session_id = ?", (sid,)
    ).fetchone()
    seqs = []
    for i, (type_, created_at, body) in enumerate(rows, start=1):
        db.execute(
            "INSERT INTO events (capture_session_id, seq, id, type, rtstream_id, created_at, body)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?)",
            (sid, last + i, f"evt-bad{i}", type_, created_at, body),
        )
        seqs.append(last + i)
    db.execute(  # the store's seq counter, which numbers the next append
        "UPDATE event_seqs SET last_seq = ? WHERE capture_session_id = ?", (seqs[-1], sid)
    )
    db.commit()
    db.close()
    return seqs


def test_unreadable_rows_never_stop_startup_polling_ws_or_webhooks(home, receiver):
    from copilot.remote import RemoteConnection

    store = open_store(load_settings(home=str(home)))
    _, key = ApiKeys(store).create("tests")
    store.close()
    with ServeProcess(home) as srv:
        remote = RemoteConnection(srv.url, key)
        receiver.secret = remote.webhook_secret()
        a = remote.create_capture_session(callback_url=receiver.url)
        b = remote.create_capture_session(callback_url=receiver.url)
        a.emit({"type": "alert", "label": "a1", "confidence": 0.5})
        receiver.wait_for(lambda: len(receiver.events()) == 3)
        remote.close()
    stopped = {
        "type": "capture_session",
        "id": "evt-bad1",
        "seq": 3,
        "capture_session_id": a.id,
        "status": "stopped",
        "created_at": None,  # what Infinity became in the JSON body
    }
    bad = _insert_rows(
        home,
        a.id,
        [
            ("capture_session", float("inf"), json.dumps(stopped)),
            ("alert", 1.0, "{not json"),
            ("alert", 1.0, "[" * 100_000 + "]" * 100_000),
        ],
    )
    with ServeProcess(home) as srv:  # start-up catches up webhooks past those rows
        remote = RemoteConnection(srv.url, key)
        events, data = remote.get_capture_session(a.id).poll()
        assert [e.seq for e in events] == list(range(1, bad[-1] + 1))  # gap-free
        for e in events[-3:]:
            assert e.type == "unreadable" and e.error, e
        assert [e.original_type for e in events[-3:]] == ["capture_session", "alert", "alert"]
        assert data["status"] == "created"
        assert remote.get_capture_session(b.id).poll()[0][0].status == "created"
        # both sessions still deliver webhooks, and the session with bad rows goes on
        a2 = remote.get_capture_session(a.id).emit(
            {"type": "alert", "label": "a2", "confidence": 0.5}
        )
        assert a2.seq == bad[-1] + 1
        remote.get_capture_session(b.id).emit({"type": "alert", "label": "b1", "confidence": 0.5})
        receiver.wait_for(
            lambda: {"a2", "b1"} <= {e["data"].get("label") for e in receiver.events()}
        )
        assert "capture_session.stopped" not in [e["event"] for e in receiver.events(a.id)]
        got = _ws_events(srv.url, key, a.id, a2.seq)
        assert [e["seq"] for e in got] == list(range(1, a2.seq + 1))
        assert srv.proc.poll() is None
        remote.close()
