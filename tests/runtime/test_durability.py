"""A process killed with SIGKILL while appending loses no event a subscriber was handed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import copilot

WRITER = textwrap.dedent(
    """
    import asyncio, sys, threading
    import copilot
    from copilot.events import TranscriptEvent

    conn = copilot.connect(home=sys.argv[1], entrypoints=False)
    cap = conn.create_capture_session()
    print("session", cap.id, flush=True)

    def write():
        i = 0
        while True:
            cap.emit(TranscriptEvent(capture_session_id=cap.id, text=f"u{i}", is_final=True))
            i += 1

    async def read():
        async for ev in cap.events(until_end=False):
            print("handed", ev.seq, ev.id, flush=True)

    threading.Thread(target=write, daemon=True).start()
    asyncio.run(read())
    """
)


def test_sigkill_loses_no_handed_event(tmp_path, database_url):
    home = tmp_path / "home"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(home)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COPILOT_HOME": str(home)},
    )
    handed: dict[int, str] = {}
    session_id = None
    try:
        for line in proc.stdout:
            parts = line.split()
            if parts[0] == "session":
                session_id = parts[1]
            elif parts[0] == "handed":
                handed[int(parts[1])] = parts[2]
                if len(handed) >= 2000:
                    break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert session_id and len(handed) >= 2000

    conn = copilot.connect(home=str(home), entrypoints=False)
    try:
        rt = conn.runtime
        rows = []
        after = 0
        while batch := rt.call(lambda a=after: rt.log.read(session_id, after=a, limit=5000)):
            rows.extend(batch)
            after = batch[-1].seq
        logged = {ev.seq: ev.id for ev in rows}
        assert all(logged.get(seq) == eid for seq, eid in handed.items())
        assert [ev.seq for ev in rows] == list(range(1, len(rows) + 1))
        assert len(rows) >= len(handed)
    finally:
        conn.close()
