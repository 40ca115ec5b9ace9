"""Persist + fan-out benchmark: events/s and latency to 3 live subscribers.

Each event is committed to the SQLite log (WAL) and then handed to 3 subscribers (log-then-
live cursors, as `cap.events()` uses) running on the runtime loop. Latency is measured per
(event, subscriber) from just before `publish` to the subscriber receiving it.

    python bench/events.py [--events 20000] [--burst 10]

Last line: JSON with events_per_s, p50_ms, p99_ms (plus the public cross-thread API rate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import copilot
from copilot.events import TranscriptEvent


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _run_on_loop(rt, session_id: str, n: int, burst: int, subscribers: int):
    sent: dict[int, float] = {}
    latencies: list[float] = []
    cursors = [rt.cursor(session_id, since=rt.log.last_seq(session_id)) for _ in range(subscribers)]
    first_seq = rt.log.last_seq(session_id) + 1
    last_seq = first_seq + n - 1

    async def consume(cursor):
        while True:
            batch = await cursor.next_batch()
            now = time.perf_counter()
            for ev in batch:
                if ev.seq in sent:  # not an event the runtime logged itself meanwhile
                    latencies.append(now - sent[ev.seq])
            if batch[-1].seq >= last_seq:
                cursor.close()
                return

    tasks = [asyncio.create_task(consume(c)) for c in cursors]
    draft = TranscriptEvent(capture_session_id=session_id, text="x" * 60, is_final=True)
    t0 = time.perf_counter()
    seq = first_seq
    for i in range(0, n, burst):
        for _ in range(min(burst, n - i)):
            sent[seq] = time.perf_counter()
            rt.publish(draft)
            seq += 1
        await asyncio.sleep(0)  # let subscribers run between bursts
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    return n / elapsed, latencies


def bench_public_api(conn, cap, n: int) -> float:
    """The same through `cap.events()` from another thread's event loop (cross-thread hop)."""
    rt = conn.runtime
    start_seq = rt.call(rt.log.last_seq, cap.id)
    done = threading.Event()
    got = []

    def reader():
        async def go():
            async for ev in cap.events(since=start_seq, until_end=False):
                got.append(ev.seq)
                if len(got) >= n:
                    done.set()
                    return

        asyncio.run(go())

    threading.Thread(target=reader, daemon=True).start()
    time.sleep(0.2)
    draft = TranscriptEvent(capture_session_id=cap.id, text="y" * 60, is_final=True)
    t0 = time.perf_counter()

    def publish_all():
        for _ in range(n):
            rt.publish(draft)

    rt.call(publish_all)
    done.wait(120)
    return n / (time.perf_counter() - t0)


def embedded_rate(n: int, burst: int = 10, subscribers: int = 3) -> int:
    """events/s of `n` events persisted and fanned out on the loop (for bench/server.py)."""
    with tempfile.TemporaryDirectory() as home:
        conn = copilot.connect(home=home, entrypoints=False)
        try:
            cap = conn.create_capture_session(end_user_id="bench")
            rt = conn.runtime
            for count in (1000, n):  # a warm-up, then the run
                fut = asyncio.run_coroutine_threadsafe(
                    _run_on_loop(rt, cap.id, count, burst, subscribers), rt.loop
                )
                rate, _ = fut.result()
        finally:
            conn.close()
    return round(rate)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--burst", type=int, default=10, help="events published per loop turn")
    ap.add_argument("--subscribers", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        conn = copilot.connect(home=home, entrypoints=False)
        try:
            cap = conn.create_capture_session(end_user_id="bench")
            rt = conn.runtime
            warm = asyncio.run_coroutine_threadsafe(
                _run_on_loop(rt, cap.id, 1000, args.burst, args.subscribers), rt.loop
            )
            warm.result()
            fut = asyncio.run_coroutine_threadsafe(
                _run_on_loop(rt, cap.id, args.events, args.burst, args.subscribers), rt.loop
            )
            rate, lat = fut.result()
            public = bench_public_api(conn, cap, 10_000)
        finally:
            conn.close()
    lat_ms = [x * 1000 for x in lat]
    result = {
        "events": args.events,
        "subscribers": args.subscribers,
        "burst": args.burst,
        "events_per_s": round(rate),
        "p50_ms": round(statistics.median(lat_ms), 3),
        "p99_ms": round(percentile(lat_ms, 0.99), 3),
        "max_ms": round(max(lat_ms), 3),
        "public_api_events_per_s": round(public),
    }
    print(f"persist+fan-out to {args.subscribers} subscribers: {result['events_per_s']} events/s")
    print(
        f"latency p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms"
    )
    print(f"cap.events() from another thread's loop: {result['public_api_events_per_s']} events/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
