"""`register_plugin` on a remote connection: event hooks run in the agent's process against
every session of a `copilot serve` backend; results and failures land in the server's log."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import wave
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

import builtin_plugins.transcript as transcript_plugin
import copilot
from copilot.audio.decode import read_audio_file
from copilot.errors import NotEnabled, PermissionDenied
from copilot.events import Event
from copilot.remote import RemoteConnection
from copilot.remote.capture import RemoteCaptureClient
from tests.server.conftest import run_backend
from tests.server.support import BlipProxy

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"


class Heard(Event):
    type: Literal["heard"] = "heard"
    text: str
    app: str | None = None


class Listener:
    """Starts the transcript when a session goes active, answers each final with `heard`."""

    def __init__(self, conn: RemoteConnection) -> None:
        self.conn = conn
        self.statuses: list[str] = []
        self.finals: list[str] = []

    @copilot.hookimpl
    def copilot_register_event_types(self, register):
        register(Heard)

    @copilot.hookimpl
    def copilot_session_status(self, event, session):
        self.statuses.append(event.status)
        if event.status == "active":
            for rts in self.conn.get_capture_session(session.id).get_rtstream("mic"):
                rts.start_transcript()

    @copilot.hookimpl
    def copilot_transcript(self, event, session):
        if event.is_final:
            self.finals.append(event.text)
            return Heard(capture_session_id="ignored", text=event.text, app=session.metadata["app"])
        return None


def _first_utterance(tmp_path: Path) -> Path:
    """The sample meeting's first 7 s of microphone (one utterance) as a 16 kHz WAV."""
    audio = read_audio_file(SAMPLE / "mic.ogg")[: 16000 * 7]
    path = tmp_path / "first.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


async def _until(pred, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_remote_plugin_follows_a_replayed_file(home, client_sources, tmp_path):
    with run_backend(home, [transcript_plugin]) as backend:
        conn = backend.remote()
        listener = Listener(conn)
        try:
            assert conn.register_plugin(listener, "listener") == "listener"
            cap = conn.create_capture_session(metadata={"app": "notes"})
            client = RemoteCaptureClient(
                conn.generate_client_token(capture_session_id=cap.id),
                backend.url,
                sources=client_sources,
            )
            mic = {
                "channel_id": "mic:file",
                "path": str(_first_utterance(tmp_path)),
                "speed": "max",
            }
            await client.start_session(
                capture_session_id=cap.id, channels=[mic], stop_when_sources_end=True
            )
            await _until(lambda: "stopped" in listener.statuses, 60)
            await client.shutdown()
            events = [e async for e in cap.events()]
        finally:
            conn.close()
    assert listener.statuses == ["created", "starting", "active", "stopping", "stopped"]
    assert listener.finals and "good morning" in listener.finals[0].lower()
    heard = [e for e in events if e.type == "heard"]
    assert [type(e) for e in heard] == [Heard] * len(listener.finals)  # parsed with its model
    assert [e.text for e in heard] == listener.finals
    assert all(e.capture_session_id == cap.id and e.app == "notes" for e in heard)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


class Raiser:
    @copilot.hookimpl
    def copilot_transcript(self, event):
        if "boom" in event.text:
            raise RuntimeError(f"boom on {event.seq}")
        if event.text == "bad result":
            return {"type": "nonsense", "text": "the server knows no such type"}
        return None


class Hanger:
    def __init__(self) -> None:
        self.release = threading.Event()

    @copilot.hookimpl
    def copilot_alert(self, event):
        self.release.wait(10)


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self.status_seen: list[str] = []
        self.shut_down_with = None

    @copilot.hookimpl
    def copilot_event(self, event):
        self.seen.append((event.capture_session_id, event.seq))

    @copilot.hookimpl
    def copilot_shutdown(self, runtime):
        self.shut_down_with = runtime

    @copilot.hookimpl
    async def copilot_transcript(self, event, session):
        self.status_seen.append(session.status)
        if event.text == "echo me":
            session.emit({"type": "alert", "label": "echo", "confidence": 1.0})


def _poll(cap, **kw):
    return cap.poll(**kw)[0]


async def test_failing_hooks_become_plugin_errors_and_events_keep_coming(backend):
    conn = RemoteConnection(backend.url, backend.api_key, plugin_timeout=0.3)
    hanger, recorder = Hanger(), Recorder()
    try:
        conn.register_plugin(Raiser(), "raiser")
        conn.register_plugin(hanger, "hanger")
        conn.register_plugin(recorder, "recorder")
        cap = conn.create_capture_session()
        say = {"type": "transcript", "is_final": True}
        cap.emit({**say, "text": "boom"})
        cap.emit({"type": "alert", "label": "x", "confidence": 0.5})  # the hanger hangs on it
        cap.emit({**say, "text": "echo me"})
        cap.emit({**say, "text": "bad result"})
        await _until(lambda: len(_poll(cap, types=["plugin_error"])) >= 3)
        errors = {(e.plugin, e.kind): e for e in _poll(cap, types=["plugin_error"])}
        assert "boom on 2" in errors[("raiser", "exception")].error
        assert errors[("raiser", "exception")].hook == "copilot_transcript"
        assert "within 0.3 s" in errors[("hanger", "timeout")].error
        assert "unknown event type 'nonsense'" in errors[("raiser", "invalid_result")].error
        await _until(lambda: "echo" in [e.label for e in _poll(cap, types=["alert"])])
        later = cap.emit({**say, "text": "still listening"})
        await _until(lambda: (cap.id, later.seq) in recorder.seen)
        seqs = [s for sid, s in recorder.seen if sid == cap.id]
        assert seqs == list(range(1, len(seqs) + 1))  # every event once, in order
        assert set(recorder.status_seen) == {"created"}
        stats = conn.stats()["local_plugins"]
        assert stats["plugins"]["raiser"]["failed"] == 1
        assert stats["plugins"]["hanger"]["timeouts"] == 1
        hanger.release.set()
        conn.close()
        assert recorder.shut_down_with is conn  # the connection stands in for the runtime
    finally:
        hanger.release.set()
        conn.close()


class SourcePlugin:
    @copilot.hookimpl
    def copilot_register_sources(self, register):
        raise AssertionError("must not be called on a remote connection")

    @copilot.hookimpl
    def copilot_event(self, event):
        pass


class DeletionWatcher:
    @copilot.hookimpl
    def copilot_session_deleted(self, session_id):
        pass


def test_server_only_hooks_are_refused(remote):
    with pytest.raises(NotEnabled, match=r"copilot_register_sources.*load_sources.*copilot serve"):
        remote.register_plugin(SourcePlugin(), "sources")
    with pytest.raises(NotEnabled, match=r"copilot_session_deleted.*copilot serve"):
        remote.register_plugin(DeletionWatcher(), "deleted")
    with pytest.raises(copilot.errors.CopilotError, match="bogus"):

        class Misnamed:
            @copilot.hookimpl
            def copilot_event(self, event, bogus):
                pass

        remote.register_plugin(Misnamed(), "misnamed")
    assert remote.register_plugin(Recorder(), "sources") == "sources"  # the name is free again


async def test_dropped_socket_resumes_without_gaps_or_duplicates(backend, remote):
    port = int(backend.url.rsplit(":", 1)[1])
    proxy = BlipProxy(port)
    conn = RemoteConnection(f"http://127.0.0.1:{proxy.port}", backend.api_key)
    recorder = Recorder()
    try:
        before = remote.create_capture_session()  # its past is not replayed: "from now"
        before.emit({"type": "alert", "label": "old", "confidence": 0.1})
        conn.register_plugin(recorder, "recorder")
        a = remote.create_capture_session()
        for i in range(10):
            a.emit({"type": "alert", "label": f"a{i}", "confidence": 0.5})
            before.emit({"type": "alert", "label": f"b{i}", "confidence": 0.5})
        await _until(lambda: len(recorder.seen) >= 21)
        proxy.down = True
        proxy.cut()
        for i in range(30):
            a.emit({"type": "alert", "label": f"during{i}", "confidence": 0.5})
        born = remote.create_capture_session()  # created while the socket was down
        born.emit({"type": "alert", "label": "new", "confidence": 0.5})
        await asyncio.sleep(0.3)
        proxy.down = False
        after = a.emit({"type": "alert", "label": "after", "confidence": 0.5})
        await _until(lambda: (a.id, after.seq) in recorder.seen and (born.id, 2) in recorder.seen)
        by = {s: [q for sid, q in recorder.seen if sid == s] for s in (before.id, a.id, born.id)}
        assert by[before.id] == list(range(3, 13))
        assert by[a.id] == list(range(1, after.seq + 1))
        assert by[born.id] == [1, 2]
        assert conn.stats()["local_plugins"]["subscriptions"] >= 2
        assert proxy.accepted >= 2
    finally:
        conn.close()
        proxy.close()


def test_all_sessions_stream_needs_an_api_key(backend, remote):
    from websockets.sync.client import connect

    token = remote.generate_client_token()
    url = backend.url.replace("http://", "ws://") + "/v1/events/ws"
    with connect(url, additional_headers={"authorization": f"Bearer {token}"}) as ws:
        msg = json.loads(ws.recv())
    assert msg["op"] == "error" and msg["status"] == 403 and "API key" in msg["message"]
    bad = RemoteConnection(backend.url, "cpk_wrong")
    try:
        with pytest.raises(PermissionDenied, match="unknown API key"):
            bad.register_plugin(Recorder(), "r")
    finally:
        bad.close()
