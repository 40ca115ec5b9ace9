"""Every plugin failure is reported as a `plugin_error`, and the plugin's worker keeps serving:
bad return values, lone surrogates, an async hook returning junk, SystemExit in a hook, and
an async hook that blocks the event loop (named by the loop watchdog)."""

from __future__ import annotations

import asyncio
import time

import pytest

import copilot
from copilot import hookimpl
from copilot.errors import InvalidEvent
from copilot.events import CaptureSessionEvent


def _wait(pred, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := pred()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)
    return value


@pytest.fixture
def rt_conn(home):
    c = copilot.connect(
        home=str(home),
        entrypoints=False,
        plugin_timeout=2.0,
        drain_timeout=3.0,
        loop_block_threshold=0.3,
    )
    yield c
    c.close()


def _log(conn, sid, types=None):
    rt = conn.runtime
    return rt.call(lambda: rt.log.read(sid, types=types))


def _errors(conn, sid):
    return [(e.plugin, e.kind, e.error) for e in _log(conn, sid, ["plugin_error"])]


class Counter:
    def __init__(self):
        self.calls = 0


JUNK = {
    "int": 42,
    "str": "str",
    "list-none": [None],
    "surrogate": {"type": "alert", "label": "\ud800", "confidence": 0.5},
    "model-of-nothing": object(),
}


class BadReturns(Counter):
    """Each label makes the sync hook return one kind of junk."""

    @hookimpl
    def copilot_alert(self, event):
        self.calls += 1
        return JUNK.get(event.label)


class AsyncJunk(Counter):
    @hookimpl
    async def copilot_alert(self, event):
        self.calls += 1
        return 42


class Exits(Counter):
    @hookimpl
    def copilot_alert(self, event):
        self.calls += 1
        if event.label == "int":
            raise SystemExit(3)


class AsyncExits(Counter):
    @hookimpl
    async def copilot_alert(self, event):
        self.calls += 1
        if event.label == "int":
            raise SystemExit("bye")


def test_bad_results_and_exits_are_reported_and_workers_keep_going(rt_conn):
    plugins = {
        "bad-returns": BadReturns(),
        "async-junk": AsyncJunk(),
        "exits": Exits(),
        "async-exits": AsyncExits(),
    }
    for name, p in plugins.items():
        rt_conn.register_plugin(p, name)
    cap = rt_conn.create_capture_session()
    labels = [*JUNK, "after-1", "after-2", "after-3"]
    for label in labels:
        cap.emit({"type": "alert", "label": label, "confidence": 0.5})
    # every plugin saw every alert: no worker died
    _wait(lambda: all(p.calls == len(labels) for p in plugins.values()))
    errors = _wait(
        lambda: len(_errors(rt_conn, cap.id)) >= 5 + len(labels) + 2 and _errors(rt_conn, cap.id)
    )
    bad = [e for e in errors if e[0] == "bad-returns"]
    assert [k for _, k, _ in bad] == ["invalid_result"] * 5
    assert any("surrogate" in msg for _, _, msg in bad)
    assert any("None" in msg for _, _, msg in bad)
    junk = [e for e in errors if e[0] == "async-junk"]
    assert len(junk) == len(labels) and {k for _, k, _ in junk} == {"invalid_result"}
    (exit_,) = [e for e in errors if e[0] == "exits"]
    assert exit_[1] == "exception" and "SystemExit" in exit_[2]
    (aexit,) = [e for e in errors if e[0] == "async-exits"]
    assert aexit[1] == "exception" and "SystemExit" in aexit[2]
    stats = rt_conn.stats()["plugins"]
    assert stats["exits"]["timeouts"] == 0 and stats["exits"]["failed"] == 1
    # the runtime is fine: the loop still answers and publishes
    assert cap.emit({"type": "alert", "label": "still", "confidence": 0.5}).seq > len(labels)


class Sleeper:
    @hookimpl
    async def copilot_alert(self, event):
        if event.label == "sleep":
            time.sleep(1.0)  # the mistake: a blocking call in an async hook


async def test_an_async_hook_that_blocks_the_loop_is_named(rt_conn):
    rt_conn.register_plugin(Sleeper(), "sleeper")
    cap = rt_conn.create_capture_session()
    cap.emit({"type": "alert", "label": "sleep", "confidence": 0.5})
    await asyncio.sleep(0.2)
    t0 = time.monotonic()
    errors = await asyncio.to_thread(_wait, lambda: _errors(rt_conn, cap.id))
    (plugin, kind, message) = errors[0]
    assert (plugin, kind) == ("sleeper", "blocked_loop")
    assert "copilot_alert blocked the event loop" in message
    assert time.monotonic() - t0 < 5
    assert rt_conn.stats()["plugins"]["sleeper"]["blocked_loop"] == 1


def test_reserved_types_cannot_be_emitted_by_agents_or_hook_results(rt_conn):
    class Forger:
        @hookimpl
        def copilot_alert(self, event):
            return {"type": "capture_session", "status": "stopped"}

    rt_conn.register_plugin(Forger(), "forger")
    cap = rt_conn.create_capture_session()
    for forged in (
        {"type": "capture_session", "status": "stopped"},
        CaptureSessionEvent(capture_session_id=cap.id, status="stopped"),
        {"type": "plugin_error", "plugin": "x", "hook": "y", "error": "z"},
        {"type": "channel", "status": "ended"},
        {"type": "unreadable", "original_type": "x", "error": "y"},
    ):
        with pytest.raises(InvalidEvent, match="reserved"):
            cap.emit(forged)
    cap.emit({"type": "alert", "label": "go", "confidence": 0.5})
    (err,) = _wait(lambda: _errors(rt_conn, cap.id))
    assert err[:2] == ("forger", "invalid_result") and "reserved" in err[2]
    assert [e.status for e in _log(rt_conn, cap.id, ["capture_session"])] == ["created"]
    assert cap.status == "created"
