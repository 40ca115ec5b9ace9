"""The fast ways through the server give the answers the slow ones did: an emit taken by the
hot path (copilot.server.hotpath) and one left to FastAPI answer alike, errors included;
concurrent emits committed together each get their own seq, gap-free; and live readers get
every event once, in order, whether the server writes shared frames (no compression, as
`copilot serve` offers) or compresses each message (the default of uvicorn's own config)."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from websockets.sync.client import connect

from tests.server.support import ServeProcess, make_api_key

EVENT = {"type": "alert", "label": "x", "confidence": 0.5}
# the hot path takes exactly application/json; FastAPI also parses these as JSON
ROUTE_ONLY = ("application/vnd.test+json", "application/json-patch+json")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("emit") / "home"
    key = make_api_key(home)
    with ServeProcess(home) as srv:
        yield srv, {"authorization": f"Bearer {key}"}


def _session(url: str, h: dict) -> str:
    return httpx.post(f"{url}/v1/capture_sessions", headers=h, json={}).json()["id"]


def _post(url: str, h: dict, sid: str, body: bytes, content_type: str) -> httpx.Response:
    headers = {**h, "content-type": content_type}
    return httpx.post(f"{url}/v1/capture_sessions/{sid}/emit", headers=headers, content=body)


def _comparable(resp: httpx.Response):
    body = resp.json()
    if resp.status_code == 201:
        body = {k: v for k, v in body.items() if k not in ("id", "seq", "created_at")}
    return resp.status_code, resp.headers["content-type"], body


def test_the_hot_path_answers_like_the_route(served):
    srv, h = served
    sid = _session(srv.url, h)
    cases = [
        (sid, json.dumps(EVENT).encode(), h),  # 201
        (sid, json.dumps({**EVENT, "type": "nope"}).encode(), h),  # unknown type: 422
        (sid, json.dumps({"type": "capture_session", "status": "stopped"}).encode(), h),
        (sid, b'{"type": "alert", "label": "x", "confidence": 0.5, "end": NaN}', h),
        ("cap-missing", json.dumps(EVENT).encode(), h),  # 404
        (sid, json.dumps(EVENT).encode(), {"authorization": "Bearer cpk_wrong"}),  # 401
        (sid, json.dumps(EVENT).encode(), {}),  # 401
    ]
    seen = []
    for target, body, headers in cases:
        hot = _comparable(_post(srv.url, headers, target, body, "application/json"))
        for ctype in ROUTE_ONLY:
            assert _comparable(_post(srv.url, headers, target, body, ctype)) == hot, body
        seen.append(hot[0])
    assert seen == [201, 422, 422, 422, 404, 401, 401]
    # what the hot path leaves to FastAPI: not an object, not JSON, too deep, too big
    for body, status in (
        (b"[1, 2]", 422),
        (b'{"type": ', 422),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b'{"type": "alert", "text": "' + b"a" * (2 * 1024 * 1024) + b'"}', 413),
    ):
        resp = _post(srv.url, h, sid, body, "application/json")
        assert resp.status_code == status, (body[:20], resp.text[:200])
        assert set(resp.json()) == {"error"}
    # every 201 above is in the log, once, in order
    got = httpx.get(f"{srv.url}/v1/capture_sessions/{sid}/events", headers=h).json()["events"]
    assert [e["type"] for e in got] == ["capture_session"] + ["alert"] * 3
    assert [e["seq"] for e in got] == [1, 2, 3, 4]
    health = httpx.get(f"{srv.url}/healthz")
    assert health.status_code == 200 and health.json()["ok"] is True


def test_concurrent_emits_each_get_their_own_seq(served):
    srv, h = served
    sid = _session(srv.url, h)
    results: list[int] = []
    errors: list[int] = []

    def emitter(i: int) -> None:
        with httpx.Client(headers=h) as client:
            for j in range(25):
                ok = (i + j) % 7 != 0
                event = EVENT if ok else {**EVENT, "confidence": float("inf")}
                body = json.dumps({**event, "label": f"{i}-{j}"}).encode()
                resp = client.post(
                    f"{srv.url}/v1/capture_sessions/{sid}/emit",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                (results if ok else errors).append(
                    resp.json()["seq"] if resp.status_code == 201 else -resp.status_code
                )

    threads = [threading.Thread(target=emitter, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(errors) == {-422}  # only the bad ones failed
    assert sorted(results) == list(range(2, 2 + len(results)))  # distinct and gap-free
    got = httpx.get(f"{srv.url}/v1/capture_sessions/{sid}/events?limit=5000", headers=h).json()[
        "events"
    ]
    assert [e["seq"] for e in got] == list(range(1, 2 + len(results)))


def _read_ws(url: str, h: dict, sid: str, count: int, **kw) -> list[dict]:
    ws_url = url.replace("http://", "ws://") + f"/ws?capture_session_id={sid}&until_end=false"
    out = []
    with connect(ws_url, additional_headers=h, **kw) as ws:
        while len(out) < count:
            out.append(json.loads(ws.recv(timeout=20)))
    return out


def _fan_out(url: str, headers: dict, compression: str | None, n: int = 300) -> None:
    sid = _session(url, headers)
    got: dict[int, list[dict]] = {}

    def read(i: int) -> None:
        got[i] = _read_ws(url, headers, sid, n + 1, compression=compression)

    readers = [threading.Thread(target=read, args=(i,)) for i in range(3)]
    for r in readers:
        r.start()
    with httpx.Client(headers=headers) as client:
        for i in range(n):
            client.post(f"{url}/v1/capture_sessions/{sid}/emit", json={**EVENT, "label": f"l{i}"})
    for r in readers:
        r.join(60)
    polled = httpx.get(
        f"{url}/v1/capture_sessions/{sid}/events?limit=5000", headers=headers
    ).json()["events"]
    assert len(polled) == n + 1 and len(got) == 3
    for events in got.values():
        assert events == polled  # every event once, in order, as the log has it


@pytest.mark.parametrize("compression", ["deflate", None])
def test_live_readers_get_every_event_once_in_order(served, backend, compression):
    """`served` writes shared frames; `backend` (uvicorn's defaults) compresses each."""
    srv, h = served
    _fan_out(srv.url, h, compression)
    _fan_out(backend.url, {"authorization": f"Bearer {backend.api_key}"}, compression)
