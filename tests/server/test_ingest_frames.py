"""Media ingest framing: malformed and oversized frames get an error over the real socket,
and the session keeps working (hypothesis, 1,000+ cases)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from copilot.capture.frames import AudioFrame, Tick, VideoFrame
from copilot.server import framing


def test_roundtrip_audio_video_tick():
    audio = AudioFrame(np.linspace(-1, 1, 320, dtype=np.float32), 16000, 1.5)
    p = framing.decode(framing.encode(2, 7, audio))
    assert (p.channel, p.seq, p.frame.pts, p.frame.sample_rate) == (2, 7, 1.5, 16000)
    assert np.allclose(p.frame.samples, audio.samples)
    image = np.random.default_rng(0).integers(0, 255, (4, 6, 3), dtype=np.uint8)
    v = framing.decode(framing.encode(0, 1, VideoFrame(image, 2.0, info={"app": "Slack"})))
    assert (v.frame.image == image).all() and v.frame.info == {"app": "Slack"}
    assert isinstance(framing.decode(framing.encode(1, 3, Tick(4.0))).frame, Tick)


def _valid(seq: int) -> bytes:
    return framing.encode(0, seq, AudioFrame(np.zeros(160, np.float32), 16000, seq * 0.001))


def _mutations():
    valid = _valid(0)
    head = struct.Struct("<2sBBHId")
    fields = st.tuples(
        st.sampled_from([b"CP", b"XX", b"\x00\x00"]),
        st.integers(0, 255),
        st.integers(0, 255),
        st.integers(0, 65535),
        st.integers(0, 2**32 - 1),
        st.floats(allow_nan=True, allow_infinity=True),
    ).map(lambda f: head.pack(*f))
    return st.one_of(
        st.binary(max_size=64),
        st.builds(lambda h, tail: h + tail, fields, st.binary(max_size=64)),
        st.builds(lambda n: valid[:n], st.integers(0, len(valid) - 1)),
        st.builds(
            lambda i, b: valid[:i] + bytes([b]) + valid[i + 1 :],
            st.integers(0, 23),
            st.integers(0, 255),
        ),
    )


@pytest.fixture
def ingest(backend, remote):
    cap = remote.create_capture_session()
    token = remote.generate_client_token(capture_session_id=cap.id)
    url = backend.url.replace("http://", "ws://") + "/v1/ingest"
    with connect(
        url, additional_headers={"authorization": f"Bearer {token}"}, max_size=2**24
    ) as ws:
        ws.send(
            json.dumps(
                {
                    "op": "start",
                    "capture_session_id": cap.id,
                    "channels": [{"channel_id": "mic:remote", "name": "Remote mic"}],
                }
            )
        )
        assert json.loads(ws.recv())["op"] == "started"
        yield ws, cap, backend


def _roundtrip(ws, data) -> list[dict]:
    """Send one message, then a ping; return what the server said before the pong."""
    ws.send(data)
    ws.send(json.dumps({"op": "ping"}))
    out = []
    while True:
        msg = json.loads(ws.recv(timeout=10))
        if msg["op"] == "pong":
            return out
        out.append(msg)


def test_malformed_frames_get_errors_and_session_keeps_working(ingest):
    ws, cap, _backend = ingest
    seq = iter(range(1, 10**6))
    counts = {"bad": 0, "ok": 0}

    @settings(
        max_examples=1100, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(data=st.one_of(_mutations(), st.text(max_size=40)))
    def check(data):
        replies = _roundtrip(ws, data)
        errors = [m for m in replies if m["op"] == "error"]
        if isinstance(data, str):
            try:
                framing.control(data)
            except framing.FrameError:
                assert errors and errors[0]["code"] == "bad_message"
            return
        try:
            packet = framing.decode(data)
        except framing.FrameError:
            counts["bad"] += 1
            assert errors and errors[0]["code"] == "bad_frame" and errors[0]["message"]
            return
        if packet.channel != 0:
            assert errors and "channel index" in errors[0]["message"]
        else:
            counts["ok"] += 1
        # a valid frame interleaved with the fuzz is still accepted
        assert not [m for m in _roundtrip(ws, _valid(next(seq))) if m["op"] == "error"]

    check()
    assert counts["bad"] > 500
    # oversized: over the frame limit is an error; the connection and session carry on
    big = _valid(next(seq)) + b"\x00" * (framing.MAX_FRAME_BYTES)
    errors = [m for m in _roundtrip(ws, big) if m["op"] == "error"]
    assert errors and "limit" in errors[0]["message"]
    assert not [m for m in _roundtrip(ws, _valid(next(seq))) if m["op"] == "error"]
    assert cap.status == "active"
    ws.send(json.dumps({"op": "stop"}))
    while json.loads(ws.recv(timeout=10))["op"] != "stopped":
        pass
    assert cap.status == "stopped"


def test_encoded_images_decode_and_garbage_is_refused():
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (5, 3), (10, 20, 30)).save(buf, format="PNG")
    head = struct.pack("<2sBBHId", b"CP", 1, 2, 0, 0, 1.0)
    frame = head + struct.pack("<HHBBH", 5, 3, 1, 2, 0) + buf.getvalue()
    img = framing.decode(frame).frame.image
    assert img.shape == (3, 5, 3) and tuple(img[0, 0]) == (10, 20, 30)
    with pytest.raises(framing.FrameError, match="could not be decoded"):
        framing.decode(head + struct.pack("<HHBBH", 5, 3, 1, 2, 0) + b"\x89PNG garbage")
