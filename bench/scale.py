#!/usr/bin/env python3
"""Replicas on one PostgreSQL database: 1 and 2 `copilot serve` processes on this machine.

1. Append + fan-out: SESSIONS sessions, each with one emitter (POST /emit, one at a time) and
   one `/ws` subscriber. With 2 replicas, sessions emit alternately through A and B and each
   is subscribed on the *other* replica, so every event crosses replicas (NOTIFY, then a read
   from the log). Reports appends/s (all emitters), delivered/s, and p50/p99 from the event's
   created_at (stamped on the appending replica) to its receipt by the subscriber.
2. Live sessions: k concurrent real-time sessions per replica, each streaming the first
   `--clip` seconds of the sample meeting (both tracks mixed into one) at real-time pace over
   /v1/ingest with the live transcript on. TTFS = receipt of a final transcript − (session
   start + the final's end), the live goal being p50 ≤ 0.5 s. A warm-up session per replica
   loads the model first. k grows until the goal is missed; reports the largest k (sessions
   per replica) that held it.

    python bench/scale.py [--events 300] [--max-sessions 6] [--clip 30]

Postgres: COPILOT_BENCH_DATABASE_URL (a role that may create databases), else a throwaway
cluster with PostgreSQL's default durability (fsync on). Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402

from tests.support import postgres, replicas  # noqa: E402

SESSIONS = 4
SAMPLE = ROOT / "copilot" / "data" / "sample_meeting"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q / 100 * len(s)))] * 1000, 2) if s else float("nan")


async def fanout(reps, key: str, n: int) -> dict:
    hdr = {"authorization": f"Bearer {key}"}
    clients = [httpx.AsyncClient(base_url=r.url, headers=hdr, timeout=30) for r in reps]
    sids = []
    for i in range(SESSIONS):
        resp = await clients[i % len(reps)].post("/v1/capture_sessions", json={})
        sids.append(resp.json()["id"])
    lat: list[float] = []
    socks = []
    for i, sid in enumerate(sids):
        reader = reps[(i + 1) % len(reps)]  # the other replica, when there are two
        url = reader.url.replace("http", "ws") + f"/ws?capture_session_id={sid}&until_end=false"
        socks.append(await websockets.connect(url, additional_headers=hdr))

    async def read(sock) -> None:
        got = 0
        while got < n:
            ev = json.loads(await sock.recv())
            if ev.get("type") == "alert":
                lat.append(time.time() - ev["created_at"])
                got += 1

    async def emit(client, sid: str) -> None:
        for j in range(n):
            body = {"type": "alert", "label": f"x{j}", "confidence": 0.5}
            (await client.post(f"/v1/capture_sessions/{sid}/emit", json=body)).raise_for_status()

    readers = [asyncio.create_task(read(s)) for s in socks]
    t0 = time.perf_counter()
    await asyncio.gather(*(emit(clients[i % len(reps)], sid) for i, sid in enumerate(sids)))
    appended = time.perf_counter() - t0
    await asyncio.wait_for(asyncio.gather(*readers), 120)
    delivered = time.perf_counter() - t0
    for s in socks:
        await s.close()
    for c in clients:
        await c.aclose()
    return {
        "appends_per_s": round(SESSIONS * n / appended),
        "delivered_per_s": round(SESSIONS * n / delivered),
        "fanout_p50_ms": pct(lat, 50),
        "fanout_p99_ms": pct(lat, 99),
    }


def clip(seconds: float, out: Path) -> Path:
    """The first `seconds` of the sample meeting, both tracks mixed, as a WAV file."""
    import wave

    import numpy as np

    from copilot.audio.decode import read_audio_file

    mic, far = (read_audio_file(SAMPLE / f"{ch}.ogg") for ch in ("mic", "system_audio"))
    n = min(len(mic), len(far), int(seconds * 16000))
    audio = mic[:n] + far[:n]
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return out


async def live_sessions(reps, key: str, per_replica: int, wav: Path, sources) -> list[float]:
    """TTFS of every final in `per_replica` × replicas concurrent real-time sessions."""
    from copilot.remote import RemoteConnection
    from copilot.remote.capture import RemoteCaptureClient
    from copilot.remote.events import iter_remote_events

    ttfs: list[float] = []
    conns = [RemoteConnection(r.url, key) for r in reps]

    async def one(i: int) -> None:
        conn = conns[i % len(reps)]
        cap = await asyncio.to_thread(conn.create_capture_session)
        token = await asyncio.to_thread(conn.generate_client_token, 600, cap.id)
        client = RemoteCaptureClient(token, [r.url for r in reps], sources=sources)
        await client.start_session(
            cap.id, [{"channel_id": "mic:file", "path": str(wav)}], stop_when_sources_end=True
        )
        await asyncio.to_thread(lambda: cap.get_rtstream("mic")[0].start_transcript())
        started = (await asyncio.to_thread(lambda: cap.record)).started_at
        async for ev in iter_remote_events(conn.api.base_url, key, cap.id, types=["transcript"]):
            if ev.is_final and ev.end is not None:
                ttfs.append(time.time() - (started + ev.end))
        await client.shutdown()

    await asyncio.gather(*(one(i) for i in range(per_replica * len(reps))))
    for c in conns:
        c.close()
    return ttfs


def run(n_replicas: int, admin_url: str, args, wav: Path, warm: Path, sources) -> dict:
    out: dict = {}
    with postgres.database(admin_url) as url, tempfile.TemporaryDirectory() as tmp:
        key = replicas.api_key(url)
        reps = replicas.start(Path(tmp), url, n_replicas, plugins="transcript")
        try:
            out.update(asyncio.run(fanout(reps, key, args.events)))
            print(f"{n_replicas} replica(s), fan-out: {out}", flush=True)
            asyncio.run(live_sessions(reps, key, 1, warm, sources))  # loads each model
            held = 0
            for k in range(1, args.max_sessions + 1):
                t = asyncio.run(live_sessions(reps, key, k, wav, sources))
                p50 = statistics.median(t) if t else float("inf")
                print(
                    f"{n_replicas} replica(s), {k} live session(s) each: TTFS p50 {p50:.2f} s"
                    f" p95 {pct(t, 95) / 1000:.2f} s over {len(t)} finals",
                    flush=True,
                )
                out[f"ttfs_p50_s_{k}_per_replica"] = round(p50, 3)
                if p50 > 0.5:
                    break
                held = k
            out["live_sessions_per_replica_at_goal"] = held
            out["live_sessions_total_at_goal"] = held * n_replicas
        finally:
            for r in reps:
                r.stop()
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=300, help="emits per session")
    p.add_argument("--max-sessions", type=int, default=6, help="live sessions per replica, max")
    p.add_argument("--clip", type=float, default=30.0, help="seconds of audio per live session")
    args = p.parse_args()
    import builtin_plugins.audio_sources as audio_sources
    from copilot.remote.capture import load_sources

    sources = load_sources([audio_sources], entrypoints=False)
    admin = os.environ.get("COPILOT_BENCH_DATABASE_URL")
    cluster = None if admin else postgres.Cluster(durable=True)
    admin = admin or cluster.url
    result = {"cores": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wav = clip(args.clip, Path(tmp) / "clip.wav")
            warm = clip(7.0, Path(tmp) / "warm.wav")
            for n in (1, 2):
                for k, v in run(n, admin, args, wav, warm, sources).items():
                    result[f"{n}r_{k}"] = v
    finally:
        if cluster is not None:
            cluster.stop()
    result["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
