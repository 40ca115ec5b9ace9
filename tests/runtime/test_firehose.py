"""The all-sessions cursor: "from now", every later event of every session exactly once,
through bus overflows, and resumed from a seq map."""

from __future__ import annotations

import copilot
from copilot.events import AlertEvent
from copilot.runtime.firehose import AllSessionsCursor


def _alert(sid: str, label: str) -> AlertEvent:
    return AlertEvent(capture_session_id=sid, label=label, confidence=0.5)


async def _read(rt, cursor, n: int) -> list:
    out: list = []
    while len(out) < n:
        out += await rt.acall(cursor.next_batch, 7)
    return out


async def test_from_now_through_overflow_and_resume(home, database_url):
    conn = copilot.connect(home=str(home), entrypoints=False, subscriber_queue_size=4)
    rt = conn.runtime
    try:
        old = conn.create_capture_session()
        old.emit(_alert(old.id, "before"))
        cursor = rt.call(lambda: AllSessionsCursor(rt.bus, rt.log))
        assert cursor.last == {old.id: 2}
        new = conn.create_capture_session()

        def burst() -> None:  # far more than the 4-event queue holds: the bus overflows
            for i in range(50):
                rt.publish(_alert(old.id if i % 2 else new.id, f"x{i}"))

        rt.call(burst)
        got = await _read(rt, cursor, 51)
        per = {s: [e.seq for e in got if e.capture_session_id == s] for s in (old.id, new.id)}
        assert per == {old.id: list(range(3, 28)), new.id: list(range(1, 27))}
        assert rt.bus.overflows > 0
        # a reader that went away at some point resumes with its map: no gap, no duplicate
        since = {old.id: 10}  # `new` missing from the map: read from seq 1
        rt.call(cursor.close)
        resumed = rt.call(lambda: AllSessionsCursor(rt.bus, rt.log, since=since, types=["alert"]))
        again = await _read(rt, resumed, 17 + 25)
        assert [e.seq for e in again if e.capture_session_id == old.id] == list(range(11, 28))
        assert [e.seq for e in again if e.capture_session_id == new.id] == list(range(2, 27))
        live = new.emit(_alert(new.id, "live"))
        assert [e.seq for e in await _read(rt, resumed, 1)] == [live.seq]
        rt.call(resumed.close)
    finally:
        conn.close()
