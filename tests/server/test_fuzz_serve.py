"""Random input against a real `copilot serve` (hypothesis, 5,000+ cases in all): JSON
events of every shape POSTed to emit, and frames and control messages sent over media
ingest. Nothing is answered with a 500, and afterwards the server still starts (SIGTERM,
then a fresh start on the same home), every session still polls to its end, and the log
holds nothing unreadable."""

from __future__ import annotations

import json
import signal

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from tests.server.support import ServeProcess, make_api_key
from tests.server.test_ingest_frames import _mutations, _roundtrip, _valid

EVENT_CASES = 3900
FRAME_CASES = 1100


def fuzz(cases: int) -> settings:
    return settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    SURROGATES,
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=6,
)
FIELDS = [
    "text", "is_final", "label", "confidence", "start", "end", "created_at", "metadata",
    "rtstream_id", "utterance_id", "revision", "speaker", "seq", "id", "capture_session_id",
    "severity", "status", "channel_id",
]  # fmt: skip
KINDS = ["transcript", "alert", "action_item", "visual_index", "audio_index", "suggestion"]
RESERVED = ["capture_session", "plugin_error", "channel", "unreadable", "recording_complete"]
TYPES = st.sampled_from(KINDS + RESERVED) | st.text(max_size=12)
EVENTS = st.builds(
    lambda kind, fields, extra: {"type": kind, **fields, **extra},
    TYPES,
    st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6),
    st.dictionaries(st.text(max_size=6), VALUES, max_size=2),
)
NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**70), 2**70)
PLAUSIBLE = st.one_of(  # registered types with their fields: many are stored (201)
    st.builds(
        lambda text, final, extra: {"type": "transcript", "text": text, "is_final": final, **extra},
        st.text(max_size=30) | SURROGATES,
        st.booleans(),
        st.dictionaries(st.sampled_from(["start", "end", "created_at"]), NUMBERS, max_size=2),
    ),
    st.builds(
        lambda label, confidence: {"type": "alert", "label": label, "confidence": confidence},
        st.text(max_size=20),
        st.floats(0, 1) | NUMBERS,
    ),
)
DEEP = st.integers(1, 300).map(lambda d: '{"type": "alert", "x": ' + "[" * d + "]" * d + "}")


def _encode(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


BODIES = st.one_of(
    PLAUSIBLE.map(_encode),
    EVENTS.map(_encode),
    VALUES.map(_encode),
    DEEP.map(str.encode),
    st.binary(max_size=40),
)
CONTROL = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda op, rest: json.dumps({"op": op, **rest}, allow_nan=True),
        st.sampled_from(["start", "attach", "stop", "ping", "channel", "nope"])
        | st.text(max_size=6),
        st.dictionaries(st.sampled_from(["channels", "capture_session_id", "seq", "x"]), VALUES),
    ),
)


@pytest.mark.slow
def test_random_events_and_frames_never_500_and_the_server_still_starts(tmp_path):
    home = tmp_path / "home"
    key = make_api_key(home)
    h = {"authorization": f"Bearer {key}"}
    srv = ServeProcess(home).start()
    try:
        with httpx.Client(base_url=srv.url, headers=h, timeout=30) as client:
            sids = [client.post("/v1/capture_sessions", json={}).json()["id"] for _ in range(3)]
            targets = [*sids, "cap-missing"]
            statuses: dict[int, int] = {}

            @fuzz(EVENT_CASES)
            @given(body=BODIES, target=st.sampled_from(targets), as_json=st.booleans())
            def post_event(body, target, as_json):
                ctype = "application/json" if as_json else "application/vnd.fuzz+json"
                resp = client.post(
                    f"/v1/capture_sessions/{target}/emit",
                    content=body,
                    headers={"content-type": ctype},
                )
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                assert resp.status_code in (201, 400, 404, 413, 422), (body[:200], resp.text)
                if resp.status_code == 201:
                    assert resp.json()["seq"] > 1
                else:
                    assert set(resp.json()) == {"error"}, resp.text

            post_event()
            assert sum(statuses.values()) >= EVENT_CASES
            assert statuses.get(201, 0) > 50 and statuses.get(422, 0) > 500, statuses

            token = client.post("/v1/tokens", json={"capture_session_id": sids[0]}).json()["token"]
        _fuzz_ingest(srv.url, token, sids[0])
        assert srv.stop(signal.SIGTERM, timeout=60) == 0, srv.log[-3000:]
        assert "Traceback" not in srv.log, srv.log[-3000:]
        srv = ServeProcess(home).start()  # the server still starts on what was written
        with httpx.Client(base_url=srv.url, headers=h, timeout=30) as client:
            listed = client.get("/v1/capture_sessions").json()["items"]
            assert {s["id"] for s in listed} == set(sids)
            for sid in sids:
                _poll_to_end(client, sid)
    finally:
        srv.stop(signal.SIGKILL)


def _fuzz_ingest(url: str, token: str, sid: str) -> None:
    ws_url = url.replace("http://", "ws://") + "/v1/ingest"
    with connect(ws_url, additional_headers={"authorization": f"Bearer {token}"}) as ws:
        start = {"op": "start", "capture_session_id": sid, "channels": [{"channel_id": "mic:f"}]}
        ws.send(json.dumps(start))
        assert json.loads(ws.recv(timeout=10))["op"] == "started"
        seq = iter(range(1, 10**6))

        @fuzz(FRAME_CASES)
        @given(data=st.one_of(_mutations(), CONTROL))
        def send(data):
            if isinstance(data, str) and ('"stop"' in data or '"ping"' in data):
                # stop ends the fuzz (the session is stopped below); a ping's pong would be
                # taken for the one that closes each round trip here
                return
            for reply in _roundtrip(ws, data):
                assert reply.get("status", 400) < 500, reply
            # the channel still takes a good frame after whatever came before
            replies = _roundtrip(ws, _valid(next(seq)))
            assert not [m for m in replies if m["op"] == "error"], replies

        send()
        ws.send(json.dumps({"op": "stop"}))
        while json.loads(ws.recv(timeout=30))["op"] != "stopped":
            pass


def _poll_to_end(client: httpx.Client, sid: str) -> None:
    since, seqs = 0, []
    while True:
        resp = client.get(f"/v1/capture_sessions/{sid}/events?since={since}&limit=5000")
        assert resp.status_code == 200, resp.text
        page = resp.json()
        seqs += [e["seq"] for e in page["events"]]
        assert not [e for e in page["events"] if e["type"] == "unreadable"]
        if not page["events"]:
            break
        since = page["next_since"]
    assert seqs == list(range(1, len(seqs) + 1)), sid  # gap-free, from the start
