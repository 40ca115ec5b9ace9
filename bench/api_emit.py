"""API emit throughput against a real `copilot serve` on 127.0.0.1 (part of bench/server.py).

Events are POSTed one per request to `/v1/capture_sessions/{id}/emit` by `--emitters`
keep-alive connections in a process of their own, while `subscribers` WebSocket readers in
another process follow the session on `/ws`, and a prober in this process asks `/healthz`
every 10 ms. The rate is events over the time from the first POST until every subscriber
has received the last event (with no subscriber: until the last POST is answered). The
clients speak raw HTTP/1.1 and WebSocket frames so they cost far less CPU than the server.

The server runs with only the audio_sources builtin (no model, no indexer), like the
embedded figure of bench/events.py, which has no plugins either. The readers ask for no
permessage-deflate (`copilot serve` offers none by default). Besides the rates it reports the
server process's CPU per event, which a busy machine disturbs less than the rates, and how
many events shared a commit.

    python bench/api_emit.py [events] [emitters]
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# an ordinary sentence, as most of a meeting is: redaction looks at every one before it is stored
SENTENCE = (
    "Okay, so let's move the launch review to Thursday and I'll send the updated deck tonight."
)
EVENT = {"type": "transcript", "text": SENTENCE, "is_final": True}


def p99_ms(values: list[float]) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(0.99 * len(s)))] * 1000, 2) if s else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`copilot serve` over a fresh home, with one API key."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        home = Path(self.tmp.name) / "home"
        sys.path.insert(0, str(ROOT))
        from copilot.config import load_settings
        from copilot.server.auth import ApiKeys
        from copilot.store import open_store

        store = open_store(load_settings(home=str(home)))
        self.key = ApiKeys(store).create("bench")[1]
        store.close()
        self.port = _free_port()
        env = {**os.environ, "COPILOT_HOME": str(home), "COPILOT_PLUGINS": "audio_sources"}
        env.pop("COPILOT_CONFIG", None)
        self.log = open(Path(self.tmp.name) / "serve.log", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "copilot", "serve", "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise RuntimeError("copilot serve did not come up")

    def create_session(self) -> str:
        status, body = _request(self.port, "POST", "/v1/capture_sessions", self.key, b"{}")
        assert status == 201, body
        return json.loads(body)["id"]

    def event_stats(self) -> dict:
        status, body = _request(self.port, "GET", "/v1/stats", self.key)
        assert status == 200, body
        return json.loads(body)["events"]

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        self.tmp.cleanup()


def _request(port, method, path, key=None, body=b"", timeout=10.0) -> tuple[int, bytes]:
    """One request on its own connection (set-up and probing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(_http(method, path, key, body))
        return _read_response(s.makefile("rb"))


def _http(method: str, path: str, key: str | None, body: bytes) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {len(body)}\r\n"
    if key:
        head += f"authorization: Bearer {key}\r\ncontent-type: application/json\r\n"
    return head.encode() + b"\r\n" + body


def _read_response(f) -> tuple[int, bytes]:
    status = int(f.readline().split()[1])
    length = 0
    while (line := f.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, f.read(length)


# ------------------------------------------------------------------ emitters (own process)
def _emit_worker(port: int, key: str, sid: str, n: int, conns: int, out) -> None:
    """POST `n` events over `conns` keep-alive connections; reports (statuses, seconds)."""

    async def one(count: int, statuses: dict[int, int]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        req = _http("POST", f"/v1/capture_sessions/{sid}/emit", key, json.dumps(EVENT).encode())
        for _ in range(count):
            writer.write(req)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) != b"\r\n":
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    async def run() -> tuple[dict[int, int], float]:
        statuses: dict[int, int] = {}
        t0 = time.perf_counter()
        share = [n // conns + (i < n % conns) for i in range(conns)]
        await asyncio.gather(*(one(c, statuses) for c in share))
        return statuses, time.perf_counter() - t0

    out.put(asyncio.run(run()))


# --------------------------------------------------------------- subscribers (own process)
async def _ws_open(port: int, path: str, key: str):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
    nonce = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\n"
            f"connection: Upgrade\r\nsec-websocket-key: {nonce}\r\n"
            f"sec-websocket-version: 13\r\nauthorization: Bearer {key}\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def _ws_count(reader, until_seq: int) -> tuple[int, int]:
    """Read server frames (unmasked, uncompressed) until an event with `until_seq` arrives;
    (messages, last seq). Only the last message of each read is parsed, to stay cheap."""
    buf = b""
    messages = 0
    last = 0
    while last < until_seq:
        chunk = await reader.read(1 << 20)
        if not chunk:
            raise ConnectionError(f"socket closed after {messages} messages")
        buf += chunk
        pos, end, payload = 0, len(buf), None
        while end - pos >= 2:
            b1 = buf[pos + 1] & 0x7F
            hdr = 2 + (2 if b1 == 126 else 8 if b1 == 127 else 0)
            if end - pos < hdr:
                break
            size = (
                b1 if b1 < 126 else struct.unpack_from(">H" if b1 == 126 else ">Q", buf, pos + 2)[0]
            )
            if end - pos < hdr + size:
                break
            if buf[pos] & 0x0F == 1:
                messages += 1
                payload = (pos + hdr, pos + hdr + size)
            pos += hdr + size
        if payload is not None:
            msg = json.loads(buf[payload[0] : payload[1]])
            if "op" in msg:
                raise RuntimeError(f"server said {msg}")
            last = msg["seq"]
        buf = buf[pos:]
    return messages, last


def _subscribe_worker(port: int, key: str, sid: str, count: int, last_seq: int, ready, out):
    async def run():
        path = f"/ws?capture_session_id={sid}&since=1&until_end=false"
        path += "&types=transcript"
        socks = [await _ws_open(port, path, key) for _ in range(count)]
        ready.set()
        got = await asyncio.gather(*(_ws_count(r, last_seq) for r, _w in socks))
        t = time.perf_counter()
        for _r, w in socks:
            w.close()
        return got, t

    out.put(asyncio.run(run()))


# --------------------------------------------------------------------------------- probe
class HealthProbe(threading.Thread):
    """GET /healthz every 10 ms on one keep-alive connection; latencies in `times`."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.times, self.stop = port, [], threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            f = s.makefile("rb")
            while not self.stop.is_set():
                t0 = time.perf_counter()
                s.sendall(_http("GET", "/healthz", None, b""))
                assert _read_response(f)[0] == 200
                self.times.append(time.perf_counter() - t0)
                time.sleep(0.01)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_emit(srv: Served, n: int, subscribers: int, emitters: int) -> dict:
    """One round: n events, `subscribers` WebSocket readers; events/s and /healthz p99."""
    ctx = multiprocessing.get_context("spawn")
    sid = srv.create_session()  # its first event (seq 1) is `capture_session created`
    last_seq = 1 + n
    results = ctx.Queue()
    subs = None
    if subscribers:
        ready = ctx.Event()
        subs = ctx.Process(
            target=_subscribe_worker,
            args=(srv.port, srv.key, sid, subscribers, last_seq, ready, results),
        )
        subs.start()
        if not ready.wait(60):
            raise RuntimeError("subscribers did not connect")
        time.sleep(0.3)
    probe = HealthProbe(srv.port)
    probe.start()
    time.sleep(0.2)
    emit_q = ctx.Queue()
    stats0 = srv.event_stats()
    cpu0 = cpu_seconds(srv.proc.pid)
    t0 = time.perf_counter()
    em = ctx.Process(target=_emit_worker, args=(srv.port, srv.key, sid, n, emitters, emit_q))
    em.start()
    statuses, post_seconds = emit_q.get(timeout=600)
    em.join()
    delivered = None
    if subs is not None:
        got, t_end = results.get(timeout=600)
        subs.join()
        elapsed = t_end - t0
        delivered = sorted({m for m, _ in got})
        assert all(last == last_seq for _, last in got), got
    else:
        elapsed = post_seconds
    cpu = cpu_seconds(srv.proc.pid) - cpu0
    stats = srv.event_stats()
    commits = stats.get("group_commits", 0) - stats0.get("group_commits", 0)
    grouped = stats.get("group_committed", 0) - stats0.get("group_committed", 0)
    probe.stop.set()
    probe.join()
    return {
        "subscribers": subscribers,
        "events": n,
        "statuses": statuses,
        "events_per_s": round(n / elapsed),
        "posts_per_s": round(n / post_seconds),
        "server_cpu_ms_per_event": round(1000 * cpu / n, 3),
        "events_per_commit": round(grouped / commits, 2) if commits else None,
        "messages_per_subscriber": delivered,
        "healthz_p99_ms": p99_ms(probe.times),
        "healthz_max_ms": round(max(probe.times) * 1000, 2),
    }


def api_emit(n: int, subscribers=(0, 20), emitters: int = 8) -> dict:
    srv = Served()
    try:
        return {f"api_emit_{k}_subs": run_emit(srv, n, k, emitters) for k in subscribers}
    finally:
        srv.close()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    emitters = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    print(json.dumps({"load_average": os.getloadavg(), **api_emit(n, emitters=emitters)}))
