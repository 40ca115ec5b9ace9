"""Decompression bombs: an encoded screen frame is checked against its declared size and a
pixel budget before it is decoded, and decoding happens off the server's event loop — four
small PNGs that would decode to 8192x8192 neither freeze the routes nor fill the memory."""

from __future__ import annotations

import io
import json
import struct
import threading
import time
import zlib

import httpx
import pytest
from websockets.sync.client import connect

from copilot.server import framing
from tests.server.support import ServeProcess, make_api_key


def _png_bomb(side: int) -> bytes:
    """A valid black side x side RGB PNG: ~200 KB that decodes to side*side*3 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    z = zlib.compressobj(9)
    row = b"\x00" * (1 + side * 3)
    idat = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _png(w: int, h: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 20, 30)).save(buf, format="PNG")
    return buf.getvalue()


def _frame(seq: int, png: bytes, w: int, h: int) -> bytes:
    head = struct.pack("<2sBBHId", b"CP", 1, framing.VIDEO, 0, seq, 0.1 * seq)
    return head + struct.pack("<HHBBH", w, h, 1, framing.ENCODED, 0) + png


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.fixture(scope="module")
def bomb():
    return _png_bomb(8192)


def test_image_bombs_are_refused_before_decoding_and_never_freeze_routes(home, bomb):
    assert len(bomb) < 400_000
    key = make_api_key(home)
    with ServeProcess(home) as srv:
        h = {"authorization": f"Bearer {key}"}
        sid = httpx.post(f"{srv.url}/v1/capture_sessions", headers=h, json={}).json()["id"]
        url = srv.url.replace("http://", "ws://") + "/v1/ingest"
        with connect(url, additional_headers=h, max_size=2**24) as ws:
            start = {
                "op": "start",
                "capture_session_id": sid,
                "channels": [{"channel_id": "display:remote"}],
            }
            ws.send(json.dumps(start))
            assert json.loads(ws.recv(timeout=10))["op"] == "started"
            rss0 = _rss_kb(srv.proc.pid)
            latencies: list[float] = []
            done = threading.Event()

            def probe() -> None:
                with httpx.Client() as client:
                    while not done.is_set():
                        t0 = time.perf_counter()
                        client.get(f"{srv.url}/healthz")
                        latencies.append(time.perf_counter() - t0)
                        time.sleep(0.02)

            prober = threading.Thread(target=probe)
            prober.start()
            while not latencies:  # the prober runs before the bombs arrive
                time.sleep(0.01)
            t0 = time.monotonic()
            for seq in range(4):
                ws.send(_frame(seq, bomb, 8192, 8192))
            errors = []
            while len(errors) < 4:
                msg = json.loads(ws.recv(timeout=30))
                if msg["op"] == "error":
                    errors.append(msg)
            elapsed = time.monotonic() - t0
            rss1 = _rss_kb(srv.proc.pid)
            # the size promised in the frame must be the image's
            ws.send(_frame(4, _png(64, 48), 640, 480))
            mismatch = json.loads(ws.recv(timeout=10))
            # a real screen frame still decodes
            ws.send(_frame(5, _png(64, 48), 64, 48))
            ws.send(json.dumps({"op": "ping"}))
            after = json.loads(ws.recv(timeout=10))
            seen = len(latencies)
            while len(latencies) < seen + 3:  # and after them
                time.sleep(0.01)
            done.set()
            prober.join()
        assert all(e["code"] == "bad_frame" and "pixels" in e["message"] for e in errors), errors
        assert elapsed < 15  # refused unread; decoding them took seconds each
        assert (rss1 - rss0) < 150_000, f"server grew by {(rss1 - rss0) // 1024} MB"
        assert max(latencies) < 2, f"/healthz took up to {max(latencies):.2f} s"
        assert mismatch["op"] == "error" and "64x48" in mismatch["message"], mismatch
        assert after["op"] == "pong", after
