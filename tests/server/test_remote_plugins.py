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

import httpx
import numpy as np
import pytest

import builtin_plugins.transcript as transcript_plugin
import copilot
import copilot.remote.plugin_host as plugin_host
import copilot.server.ws_all as ws_all
from copilot.audio.decode import read_audio_file
from copilot.config import load_settings
from copilot.errors import NotEnabled, PermissionDenied
from copilot.events import Event
from copilot.remote import RemoteConnection
from copilot.remote.capture import RemoteCaptureClient
from copilot.remote.firehose import transient
from copilot.server.auth import ApiKeys
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


# ---------------------------------------------------------------------- failures of the host


def _alert(label: str = "x") -> dict:
    return {"type": "alert", "label": label, "confidence": 0.5}


def _said(text: str) -> dict:
    return {"type": "transcript", "is_final": True, "text": text}


def _host_stats(conn: RemoteConnection) -> dict:
    return conn._plugins.stats()  # not conn.stats(): that also asks the server


class FailingSender:
    """The server's all-sessions sender fails `times` more connections with `exc`, after the
    subscription was confirmed (the client sees `op: error`)."""

    def __init__(self, monkeypatch) -> None:
        self.exc: Exception = RuntimeError("injected")
        self.times = 0
        real = ws_all._send

        async def send(ws, rt, cursor):
            if self.times > 0:
                self.times -= 1
                raise self.exc
            await real(ws, rt, cursor)

        monkeypatch.setattr(ws_all, "_send", send)


@pytest.mark.parametrize(
    ("status", "message", "retried"),
    [
        (500, "RuntimeError: boom", True),
        (503, "the server is shutting down", True),
        (409, "the runtime is closed", True),
        (401, "API key was revoked", False),
        (403, "client tokens can only capture", False),
        (400, "since must be null", False),
    ],
)
def test_which_server_errors_are_retried(status, message, retried):
    assert transient(status, message) is retried


async def test_server_errors_after_subscribing_retry_or_stop_and_register_restarts(
    backend, remote, monkeypatch
):
    failing = FailingSender(monkeypatch)
    proxy = BlipProxy(int(backend.url.rsplit(":", 1)[1]))
    conn = RemoteConnection(f"http://127.0.0.1:{proxy.port}", backend.api_key)
    first, second = Recorder(), Recorder()
    try:
        conn.register_plugin(first, "first")
        cap = remote.create_capture_session()
        # a 5xx after the subscription: retried like a dropped socket, nothing missed
        failing.exc, failing.times = RuntimeError("injected 500"), 3
        proxy.cut()
        await _until(lambda: failing.times == 0)
        cap.emit(_alert("after 500s"))
        await _until(lambda: (cap.id, 2) in first.seen)
        stats = _host_stats(conn)
        assert stats["following"] and stats["last_error"] is None
        assert stats["subscriptions"] >= 5  # the first, three refused, the one that works
        # a permanent error: following stops, and says why
        failing.exc, failing.times = ValueError("injected for good"), 1
        proxy.cut()
        await _until(lambda: not _host_stats(conn)["following"])
        assert _host_stats(conn)["last_error"] == "ValueError: injected for good"
        missed = cap.emit(_alert("while nobody follows"))
        # the next registration follows again, from where following stopped
        conn.register_plugin(second, "second")
        after = cap.emit(_alert("after the restart"))
        await _until(lambda: (cap.id, after.seq) in first.seen)
        await _until(lambda: (cap.id, after.seq) in second.seen)
        assert [s for sid, s in first.seen if sid == cap.id] == list(range(1, after.seq + 1))
        assert (cap.id, missed.seq) in second.seen
        assert _host_stats(conn)["following"]
    finally:
        conn.close()
        proxy.close()


async def test_a_revoked_key_stops_following_and_registering_says_so(backend, remote):
    kid, key = backend.rt.call(lambda: ApiKeys(backend.rt.store).create("plugins"))
    proxy = BlipProxy(int(backend.url.rsplit(":", 1)[1]))
    conn = RemoteConnection(f"http://127.0.0.1:{proxy.port}", key)
    try:
        conn.register_plugin(Recorder(), "recorder")
        backend.rt.call(lambda: ApiKeys(backend.rt.store).revoke(kid))
        proxy.cut()  # the reconnect is refused: final, not retried
        await _until(lambda: not _host_stats(conn)["following"])
        assert "revoked" in _host_stats(conn)["last_error"]
        with pytest.raises(PermissionDenied, match="revoked"):
            conn.register_plugin(Recorder(), "again")
    finally:
        conn.close()
        proxy.close()


class SlowAnswer:
    """Answers a transcript late with an alert and an event the server refuses."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.calls: list[str] = []

    @copilot.hookimpl
    def copilot_transcript(self, event):
        self.started.set()
        time.sleep(0.3)
        self.calls.append("hook")
        return [_alert("late"), {"type": "nonsense", "text": "unknown to the server"}]

    @copilot.hookimpl
    def copilot_shutdown(self, runtime):
        self.calls.append("shutdown")


async def test_close_finishes_hooks_then_shuts_down_then_posts_even_refusals(backend, remote):
    conn = backend.remote()
    slow = SlowAnswer()
    try:
        conn.register_plugin(slow, "slow")
        cap = remote.create_capture_session()
        cap.emit(_said("answer me late"))
        assert await asyncio.to_thread(slow.started.wait, 10)
    finally:
        conn.close()  # while the hook still runs
    assert slow.calls == ["hook", "shutdown"]
    assert [e.label for e in _poll(cap, types=["alert"])] == ["late"]
    errors = _poll(cap, types=["plugin_error"])  # the refusal, answered after the loop stopped
    assert [(e.plugin, e.kind) for e in errors] == [("slow", "invalid_result")]
    assert "unknown event type 'nonsense'" in errors[0].error
    counts = conn._plugins.counts
    assert (counts["emitted"], counts["emit_failed"]) == (2, 1)


class Echo:
    def __init__(self) -> None:
        self.answered = 0

    @copilot.hookimpl
    def copilot_transcript(self, event):
        self.answered += 1
        return _alert(f"echo {event.text}")


async def test_a_post_the_network_failed_is_tried_again(backend, remote, monkeypatch):
    real = plugin_host.post_event
    failures: list[str] = []

    def flaky(api, body, timeout=None):
        if len(failures) < 2 or body["label"] == "echo two":
            failures.append(body["label"])
            raise httpx.ConnectError("connection refused")
        return real(api, body, timeout)

    monkeypatch.setattr(plugin_host, "POST_RETRY_DELAYS", (0.01, 0.02, 0.04))
    monkeypatch.setattr(plugin_host, "post_event", flaky)
    conn = backend.remote()
    try:
        conn.register_plugin(Echo(), "echo")
        cap = remote.create_capture_session()
        cap.emit(_said("one"))
        await _until(lambda: conn._plugins.counts["emitted"] == 1)
        cap.emit(_said("two"))  # its echo: refused by the network 4 times, given up
        await _until(lambda: conn._plugins.counts["emit_failed"] == 1)
    finally:
        conn.close()
    assert failures == ["echo one", "echo one"] + ["echo two"] * 4
    assert [e.label for e in _poll(cap, types=["alert"])] == ["echo one"]


async def test_close_is_bounded_when_the_server_stops_answering(
    backend, remote, monkeypatch, caplog
):
    release = threading.Event()
    timeouts: list[float | None] = []

    def hung(api, body, timeout=None):  # a server that takes the request and never answers
        timeouts.append(timeout)
        release.wait(60 if timeout is None else timeout)
        raise httpx.ReadTimeout("no answer")

    monkeypatch.setattr(plugin_host, "post_event", hung)
    conn = RemoteConnection(backend.url, backend.api_key, drain_timeout=0.5)
    echo = Echo()
    try:
        conn.register_plugin(echo, "echo")
        cap = remote.create_capture_session()
        for i in range(5):
            cap.emit(_said(f"say {i}"))
        await _until(lambda: echo.answered == 5 and timeouts == [None])
        started = time.monotonic()
        conn.close()
        took = time.monotonic() - started
        counts = conn._plugins.counts
        assert took < 5, took  # not 5 x the client's 60 s
        assert (counts["emitted"], counts["emit_failed"]) == (0, 4)  # the queued ones
        assert timeouts == [None]  # dropped without a try once the deadline had passed
        release.set()  # the POST in flight at close gives up too, and is counted
        await _until(lambda: counts["emit_failed"] == 5)
    finally:
        release.set()
        conn.close()
    warned = [r for r in caplog.records if "were not posted" in r.getMessage()]
    assert len(warned) == 1 and "4 hook results" in warned[0].getMessage()


def test_session_handles_are_bounded(monkeypatch):
    monkeypatch.setattr(plugin_host, "MAX_CONTEXTS", 2)
    conn = RemoteConnection("http://127.0.0.1:9", "cpk_unused")
    host = plugin_host.RemotePluginHost(conn, load_settings())
    try:
        a = host._context("cap-a")
        host._context("cap-b")
        assert host._context("cap-a") is a  # reused, and now the most recent
        host._context("cap-c")
        assert list(host._contexts) == ["cap-a", "cap-c"]
    finally:
        host.close()
        conn.close()
