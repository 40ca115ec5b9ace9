"""The durable event log: gap-free seq, replay then live, resume exactly once, no loss."""

from __future__ import annotations

import asyncio

from copilot.capture import CaptureClient
from copilot.events import TranscriptEvent


async def _start(conn, channels=("mic:tone",)):
    cap = conn.create_capture_session()
    client = CaptureClient(client_token=conn.generate_client_token())
    await client.start_session(capture_session_id=cap.id, channels=list(channels))
    return cap, client


def _transcript(cap, i):
    return TranscriptEvent(
        capture_session_id=cap.id, text=f"utterance {i}", is_final=True, start=i, end=i + 0.5
    )


async def test_ten_thousand_events_gap_free(conn):
    cap, client = await _start(conn)
    rt = conn.runtime
    first_seq = rt.call(rt.log.last_seq, cap.id)

    def publish_all():
        for i in range(10_000):
            rt.publish(_transcript(cap, i))

    rt.call(publish_all)
    await client.stop_session()
    events = [ev async for ev in cap.events()]
    seqs = [ev.seq for ev in events]
    assert seqs == list(range(1, len(seqs) + 1))
    texts = [ev.text for ev in events if ev.type == "transcript"]
    assert texts == [f"utterance {i}" for i in range(10_000)]
    assert len(events) == first_seq + 10_000 + 3  # stopping, recording_complete, stopped
    assert len({ev.id for ev in events}) == len(events)


async def test_reader_resumes_after_disconnect_exactly_once(conn):
    cap, client = await _start(conn)
    for i in range(50):
        cap.emit(_transcript(cap, i))
    seen = []
    async for ev in cap.events():
        seen.append(ev.seq)
        if len(seen) == 20:
            break  # the reader goes away at seq N
    n = seen[-1]
    for i in range(50, 80):
        cap.emit(_transcript(cap, i))  # more arrive while it is gone
    resumed = []

    async def read():
        async for ev in cap.events(since=n):
            resumed.append(ev.seq)

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.1)
    for i in range(80, 100):
        cap.emit(_transcript(cap, i))  # and some arrive live
    await client.stop_session()
    await asyncio.wait_for(reader, 10)
    last = conn.runtime.call(conn.runtime.log.last_seq, cap.id)
    assert resumed == list(range(n + 1, last + 1))


async def test_slow_reader_overflows_then_catches_up_from_log(home, sources, database_url):
    import copilot

    conn = copilot.connect(home=str(home), entrypoints=False, subscriber_queue_size=8)
    conn.register_plugin(sources, "test-sources")
    try:
        cap, client = await _start(conn)
        got = []
        it = cap.events(types=["transcript"])
        reader_started = asyncio.Event()

        async def read():
            reader_started.set()
            async for ev in it:
                got.append(ev.text)
                await asyncio.sleep(0.001)  # slower than the writer

        task = asyncio.create_task(read())
        await reader_started.wait()
        await asyncio.sleep(0.05)
        rt = conn.runtime
        rt.call(lambda: [rt.publish(_transcript(cap, i)) for i in range(500)])
        await client.stop_session()
        await asyncio.wait_for(task, 20)
        assert got == [f"utterance {i}" for i in range(500)]
        assert conn.stats()["events"]["subscriber_overflows"] > 0
    finally:
        conn.close()


async def test_events_of_a_finished_session_replay_and_end(conn):
    cap, client = await _start(conn)
    cap.emit(_transcript(cap, 1))
    await client.stop_session()
    events = [ev async for ev in cap.events()]
    assert events[-1].type == "capture_session" and events[-1].status == "stopped"
    assert [ev.text for ev in events if ev.type == "transcript"] == ["utterance 1"]


def test_log_survives_reopen(home, sources, database_url):
    import copilot

    conn = copilot.connect(home=str(home), entrypoints=False)
    cap = conn.create_capture_session(metadata={"k": 1})
    ev = cap.emit(_transcript(cap, 7))
    conn.close()
    conn = copilot.connect(home=str(home), entrypoints=False)
    try:
        again = conn.get_capture_session(cap.id)
        assert again.metadata == {"k": 1}
        rows = conn.runtime.call(conn.runtime.log.read, cap.id)
        assert [r.seq for r in rows] == [1, 2]
        assert rows[1] == ev
    finally:
        conn.close()
