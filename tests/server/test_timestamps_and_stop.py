"""Client timestamps are bounded by the session clock (a frame far ahead is refused and the
client told so), and `stop` and shutdown work whatever a worker thread did."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import threading
import time

import numpy as np
from websockets.sync.client import connect

import copilot
from copilot import hookimpl
from copilot.capture.frames import AudioFrame
from copilot.capture.sources import CaptureSource, ChannelInfo, Permission, SourceHandle
from copilot.remote import RemoteConnection
from copilot.server import framing
from tests.server.support import ServeProcess, make_api_key


def _frame(seq: int, pts: float) -> bytes:
    return framing.encode(0, seq, AudioFrame(np.zeros(320, np.float32), 16000, pts))


def _ask(ws, msg) -> dict:
    """A control message's answer, or for a frame: its error, else the pong after it."""
    ws.send(msg if isinstance(msg, bytes) else json.dumps(msg))
    if isinstance(msg, bytes):
        ws.send(json.dumps({"op": "ping"}))
    replies = []
    while True:
        replies.append(json.loads(ws.recv(timeout=20)))
        op = replies[-1]["op"]
        if isinstance(msg, bytes) and op == "pong":
            errors = [r for r in replies if r["op"] == "error"]
            return errors[0] if errors else replies[-1]
        if not isinstance(msg, bytes) and op != "ack":
            return replies[-1]


@contextlib.contextmanager
def _start(url: str, token: str, sid: str):
    with connect(
        url.replace("http://", "ws://") + "/v1/ingest",
        additional_headers={"authorization": f"Bearer {token}"},
    ) as ws:
        start = {
            "op": "start",
            "capture_session_id": sid,
            "channels": [{"channel_id": "mic:remote"}],
        }
        assert _ask(ws, start)["op"] == "started"
        yield ws


def test_pts_far_ahead_is_refused_and_stop_and_sigterm_still_work(home):
    key = make_api_key(home)
    srv = ServeProcess(home).start()
    try:
        remote = RemoteConnection(srv.url, key)
        cap = remote.create_capture_session()
        with _start(srv.url, remote.generate_client_token(), cap.id) as ws:
            assert _ask(ws, _frame(0, 0.0))["op"] == "pong"
            for pts in (7200.0, 1e9):  # two hours of silence; a 29 TiB allocation
                reply = _ask(ws, _frame(1, pts))
                assert reply["op"] == "error" and reply["code"] == "bad_frame", reply
                assert "pts" in reply["message"] and "ahead" in reply["message"]
            for seq in range(1, 4):
                assert _ask(ws, _frame(seq, seq * 0.02))["op"] == "pong"
            t0 = time.monotonic()
            assert _ask(ws, {"op": "stop"})["op"] == "stopped"
            assert time.monotonic() - t0 < 15
        audio = list((home / "sessions" / cap.id / "audio").iterdir())
        assert audio and sum(p.stat().st_size for p in audio) < 1_000_000
        # a live session when SIGTERM arrives: the server stops it and exits
        live = remote.create_capture_session()
        with _start(srv.url, remote.generate_client_token(), live.id) as ws:
            assert _ask(ws, _frame(0, 0.0))["op"] == "pong"
            remote.close()
            t0 = time.monotonic()
            assert srv.stop(signal.SIGTERM, timeout=60) == 0, srv.log
            assert time.monotonic() - t0 < 60
        db = sqlite3.connect(home / "copilot.db")
        status = db.execute("SELECT status FROM sessions WHERE id = ?", (live.id,)).fetchone()
        assert status == ("stopped",)
        assert "Traceback" not in srv.log, srv.log
    finally:
        srv.stop(signal.SIGKILL)


class StuckHandle(SourceHandle):
    """A source thread gone wrong: a frame from far in the future, then a stop that never
    returns (a driver call that hangs)."""

    def __init__(self, sink) -> None:
        self.release = threading.Event()
        sink.put(AudioFrame(np.zeros(320, np.float32), 16000, 0.0))
        sink.put(AudioFrame(np.zeros(320, np.float32), 16000, 1e9))

    def stop(self) -> None:
        self.release.wait(600)


class StuckSource(CaptureSource):
    name = "test-stuck"
    kinds = ("mic",)

    def __init__(self) -> None:
        self.handles: list[StuckHandle] = []

    def probe(self, kind):
        return Permission(kind, True, "")

    def list_channels(self):
        return [ChannelInfo("mic:stuck", "mic", "Stuck mic", self.name)]

    def open(self, channel, request, sink):
        self.handles.append(StuckHandle(sink))
        return self.handles[-1]


class StuckPlugin:
    def __init__(self) -> None:
        self.source = StuckSource()

    @hookimpl
    def copilot_register_sources(self, register):
        register(self.source)


async def test_stop_and_close_finish_whatever_a_source_thread_does(home):
    from copilot.capture import CaptureClient

    plugin = StuckPlugin()
    conn = copilot.connect(home=str(home), entrypoints=False, drain_timeout=2.0)
    try:
        conn.register_plugin(plugin, "stuck")
        cap = conn.create_capture_session()
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(capture_session_id=cap.id, channels=["mic:stuck"])
        t0 = time.monotonic()
        await client.stop_session()
        assert time.monotonic() - t0 < 15
        assert cap.status == "stopped"
        # the frame from the future was dropped and counted, not recorded as 31 years of silence
        wav = home / "sessions" / cap.id / "audio"
        assert sum(p.stat().st_size for p in wav.iterdir()) < 1_000_000
        errors = [e async for e in cap.events(types=["channel", "plugin_error"])]
        assert any("pts" in (getattr(e, "reason", None) or getattr(e, "error", "")) for e in errors)
    finally:
        t0 = time.monotonic()
        conn.close()
        assert time.monotonic() - t0 < 30
        for h in plugin.source.handles:
            h.release.set()
