"""Server-mode delivery benchmark over real sockets on 127.0.0.1.

1. WebSocket fan-out: 10 subscribers on `/ws` for one session; events are published (persist,
   then fan out) and each subscriber receives every one. Reports events/s delivered (summed
   over subscribers) and p99 latency from publish to receipt.
2. Webhooks: alerts on 20 sessions with a callback_url; the outbox sender signs and POSTs each
   to a local receiver. Reports deliveries/s and p99 latency from publish to receipt.
3. API emit (bench/api_emit.py): transcript events POSTed one per request to a real
   `copilot serve`, with 0 and 20 `/ws` subscribers; events/s (until every subscriber has
   the last one), `/healthz` p99 meanwhile and the server's CPU per event, next to the
   embedded figure (bench/events.py: persist + fan-out on the runtime loop, no HTTP).
   The machine's load average is printed with it: figures taken on a busy machine are low.

    python bench/server.py [--events 2000] [--webhooks 1000] [--api-events 5000]
                           [--emitters 8] [--only api]

Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn
import websockets

from copilot.config import load_settings
from copilot.delivery.sender import RetryPolicy
from copilot.server.serve import build

SUBSCRIBERS = 10


def p99(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(0.99 * len(s)))] * 1000 if s else float("nan")


def serve(app):
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off"
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, server.servers[0].sockets[0].getsockname()[1]


async def ws_bench(rt, conn, port: int, n: int) -> dict:
    cap = conn.create_capture_session()
    url = f"ws://127.0.0.1:{port}/ws?capture_session_id={cap.id}&until_end=false&types=alert"
    from copilot.server.auth import ApiKeys

    _, key = rt.call(lambda: ApiKeys(rt.store).create("bench"))
    hdr = {"authorization": f"Bearer {key}"}
    socks = [await websockets.connect(url, additional_headers=hdr) for _ in range(SUBSCRIBERS)]
    lat: list[float] = []
    await asyncio.sleep(0.2)

    async def read(sock):
        for _ in range(n):
            ev = json.loads(await sock.recv())
            lat.append(time.time() - ev["created_at"])

    readers = [asyncio.ensure_future(read(s)) for s in socks]
    t0 = time.perf_counter()

    def publish():
        for i in range(n):
            cap.emit({"type": "alert", "label": f"x{i}", "confidence": 0.5})

    await asyncio.gather(asyncio.to_thread(publish), *readers)
    elapsed = time.perf_counter() - t0
    for s in socks:
        await s.close()
    return {
        "ws_events_per_s": round(n * SUBSCRIBERS / elapsed),
        "ws_p99_ms": round(p99(lat), 2),
        "ws_published_per_s": round(n / elapsed),
    }


def webhook_bench(conn, n: int, sessions: int = 20) -> dict:
    got: list[float] = []
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            got.append(time.time() - body["created_at"])
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()
            if len(got) >= n + sessions:
                done.set()

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    caps = [conn.create_capture_session(callback_url=hook) for _ in range(sessions)]
    t0 = time.perf_counter()
    for i in range(n):
        caps[i % sessions].emit({"type": "alert", "label": f"w{i}", "confidence": 0.9})
    done.wait(300)
    elapsed = time.perf_counter() - t0
    httpd.shutdown()
    return {
        "webhook_deliveries_per_s": round(len(got) / elapsed),
        "webhook_p99_ms": round(p99(got), 2),
        "webhooks_delivered": len(got),
    }


def api_emit_bench(n: int, emitters: int) -> dict:
    """Section 3: the API emit figures, and the embedded log's beside them."""
    import api_emit
    import events as embedded

    out: dict = {"load_average_before": os.getloadavg()}
    out.update(api_emit.api_emit(n, subscribers=(0, 20), emitters=emitters))
    out["embedded_events_per_s"] = embedded.embedded_rate(20_000)
    out["load_average_after"] = os.getloadavg()
    for k in (0, 20):
        r = out[f"api_emit_{k}_subs"]
        print(
            f"API emit, {k} subscribers: {r['events_per_s']} events/s, /healthz p99"
            f" {r['healthz_p99_ms']} ms, server CPU {r['server_cpu_ms_per_event']} ms/event",
            flush=True,
        )
    print(f"embedded log: {out['embedded_events_per_s']} events/s", flush=True)
    print(f"load average before/after: {out['load_average_before']} / {out['load_average_after']}")
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=2000)
    p.add_argument("--webhooks", type=int, default=1000)
    p.add_argument("--api-events", type=int, default=5000)
    p.add_argument("--emitters", type=int, default=8, help="keep-alive connections POSTing")
    p.add_argument("--only", choices=("api",), help="run only the API emit section")
    args = p.parse_args()
    if args.only == "api":
        print(json.dumps(api_emit_bench(args.api_events, args.emitters)))
        return
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings(home=home)
        rt, app = build(settings, entrypoints=False, policy=RetryPolicy(base_delay=0.05))
        server, port = serve(app)
        conn = app.state.conn
        try:
            out = {"subscribers": SUBSCRIBERS, "events": args.events}
            out.update(asyncio.run(ws_bench(rt, conn, port, args.events)))
            print(f"websocket: {out}", flush=True)
            out.update(webhook_bench(conn, args.webhooks))
            print(f"webhooks: {out}", flush=True)
        finally:
            server.should_exit = True
            app.state.webhooks.close()
            rt.close()
    out.update(api_emit_bench(args.api_events, args.emitters))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
