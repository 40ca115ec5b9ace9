"""Plugins are isolated: raising or hanging hooks never stop another plugin or the runtime."""

from __future__ import annotations

import asyncio
import threading
import time

import copilot
from copilot import hookimpl
from copilot.capture import CaptureClient
from copilot.events import Event, TranscriptEvent


class Recorder:
    def __init__(self):
        self.seqs: list[int] = []
        self.transcripts: list[str] = []

    @hookimpl
    def copilot_event(self, event):
        self.seqs.append(event.seq)

    @hookimpl
    def copilot_transcript(self, event, session):
        assert session.id == event.capture_session_id
        self.transcripts.append(event.text)


class Raiser:
    @hookimpl
    def copilot_event(self, event):
        raise RuntimeError(f"boom on {event.seq}")


class SyncHanger:
    def __init__(self):
        self.release = threading.Event()

    @hookimpl
    def copilot_transcript(self, event):
        self.release.wait(60)


class AsyncHanger:
    @hookimpl
    async def copilot_event(self, event):
        await asyncio.sleep(3600)


async def _session(conn):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    return cap, client


async def test_raising_and_hanging_plugins_do_not_stop_a_third(home, sources):
    conn = copilot.connect(home=str(home), entrypoints=False, plugin_timeout=0.3, drain_timeout=3.0)
    try:
        conn.register_plugin(sources, "test-sources")
        recorder, hanger = Recorder(), SyncHanger()
        conn.register_plugin(Raiser(), "raiser")
        conn.register_plugin(hanger, "sync-hanger")
        conn.register_plugin(AsyncHanger(), "async-hanger")
        conn.register_plugin(recorder, "recorder")
        cap, client = await _session(conn)
        for i in range(200):
            cap.emit(TranscriptEvent(capture_session_id=cap.id, text=f"t{i}", is_final=True))
        await asyncio.sleep(1.0)  # past the timeout: the hangs are reported
        t0 = time.monotonic()
        await client.stop_session()
        assert time.monotonic() - t0 < 5  # a hung plugin cannot hold the stop forever
        last = conn.runtime.call(conn.runtime.log.last_seq, cap.id)
        # the recorder saw every event before the final "stopped" one, in order
        assert recorder.seqs[: last - 1] == list(range(1, last))
        assert recorder.transcripts == [f"t{i}" for i in range(200)]
        errors = [ev async for ev in cap.events(types=["plugin_error"])]
        by_plugin = {(e.plugin, e.kind) for e in errors}
        assert ("raiser", "exception") in by_plugin
        assert ("sync-hanger", "timeout") in by_plugin
        assert ("async-hanger", "timeout") in by_plugin
        assert "boom on" in next(e.error for e in errors if e.plugin == "raiser")
        assert conn.stats()["plugins"]["recorder"]["failed"] == 0
        hanger.release.set()
    finally:
        conn.close()


class Echo:
    """Returns new events from a hook: they are validated, persisted and delivered."""

    @hookimpl
    def copilot_transcript(self, event):
        if event.is_final:
            return {"type": "alert", "label": "echo", "confidence": 0.5, "text": event.text}
        return None


class BadResult:
    @hookimpl
    def copilot_transcript(self, event):
        return {"type": "alert", "label": "x", "confidence": 7}


class AsyncEcho:
    @hookimpl
    async def copilot_transcript(self, event, session):
        session.emit({"type": "alert", "label": "async-echo", "confidence": 1.0})


async def test_hook_results_are_published_and_bad_results_reported(conn):
    conn.register_plugin(Echo(), "echo")
    conn.register_plugin(BadResult(), "bad")
    conn.register_plugin(AsyncEcho(), "async-echo")
    cap, client = await _session(conn)
    cap.emit({"type": "transcript", "text": "hello", "is_final": True, "start": 1.0})
    await asyncio.sleep(0.3)
    await client.stop_session()
    events = [ev async for ev in cap.events()]
    alerts = {e.label: e for e in events if e.type == "alert"}
    assert alerts["echo"].text == "hello" and alerts["echo"].capture_session_id == cap.id
    assert "async-echo" in alerts
    bad = [e for e in events if e.type == "plugin_error" and e.plugin == "bad"]
    assert bad and bad[0].kind == "invalid_result" and "confidence" in bad[0].error


class Suggestion(Event):
    type: str = "suggestion"
    text: str


async def test_custom_event_types_are_validated(conn):
    import pytest

    from copilot.errors import InvalidEvent

    cap, client = await _session(conn)
    with pytest.raises(InvalidEvent, match="unknown event type 'suggestion'"):
        cap.emit({"type": "suggestion", "text": "hi"})
    with pytest.raises(InvalidEvent, match="must give `type` a Literal"):
        conn.register_event_type(type("Bad", (Event,), {"__annotations__": {"x": int}}))
    conn.register_event_type(Suggestion)
    ev = cap.emit({"type": "suggestion", "text": "restart the server"})
    assert ev.seq > 0 and isinstance(ev, Suggestion)
    with pytest.raises(InvalidEvent, match="invalid 'suggestion' event"):
        cap.emit({"type": "suggestion"})
    await client.stop_session()


class Slow:
    def __init__(self):
        self.seen: list[str] = []
        self.thread: threading.Thread | None = None

    @hookimpl
    def copilot_transcript(self, event):
        self.thread = threading.current_thread()
        time.sleep(0.2)
        self.seen.append(event.text)


def test_close_lets_plugins_finish_and_ends_their_threads(home):
    """Events of a session that never started are not drained by a stop: close does it, and
    no plugin thread is left running native work when the interpreter exits."""
    slow = Slow()
    conn = copilot.connect(home=str(home), entrypoints=False, drain_timeout=10.0)
    conn.register_plugin(slow, "slow")
    cap = conn.create_capture_session()
    for i in range(5):
        cap.emit({"type": "transcript", "text": f"line {i}", "is_final": True})
    conn.close()
    assert slow.seen == [f"line {i}" for i in range(5)]
    assert slow.thread is not None and not slow.thread.is_alive()
