"""Real servers on 127.0.0.1 for the server tests: the copilot backend and a webhook receiver."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import uvicorn

from copilot.delivery.signing import WebhookVerificationError, verify


class UvicornThread:
    """uvicorn serving `app` on 127.0.0.1 (a free port) in a thread."""

    def __init__(self, app, port: int = 0) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            ws_max_size=16 * 1024 * 1024,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="test-uvicorn", daemon=True)

    def __enter__(self) -> UvicornThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver that can go down (port closed) and come back on the same port."""

    port: int = 0
    secret: str | None = None
    received: list[Received] = field(default_factory=list)
    bad_signatures: int = 0
    fail_next: int = 0  # answer this many requests with 503 (a receiver that is unwell)
    refused: list[Received] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if outer.secret is not None:
                    try:
                        verify(outer.secret, body, headers)
                    except WebhookVerificationError:
                        outer.bad_signatures += 1
                        self.send_response(400)
                        self.end_headers()
                        return
                if outer.fail_next > 0:
                    outer.fail_next -= 1
                    outer.refused.append(Received(headers, body))
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.received.append(Received(headers, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self, session_id: str | None = None) -> list[dict[str, Any]]:
        items = [r.json for r in self.received]
        return [e for e in items if session_id in (None, e["capture_session_id"])]

    def wait_for(self, pred, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received {[e['event'] for e in self.events()]}")
            time.sleep(0.02)


class BlipProxy:
    """A TCP proxy on 127.0.0.1 whose connections can be cut, and refused for a while."""

    def __init__(self, target_port: int) -> None:
        import socket

        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.conns: list = []
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            self.accepted += 1
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        import socket

        for s in self.conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.conns.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """A real `copilot serve` process on 127.0.0.1 over `home` (only the audio_sources builtin,
    so no model loads); its stderr is kept in `log`."""

    def __init__(self, home, port: int | None = None, **env: str) -> None:
        self.home = home
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {"COPILOT_PLUGINS": "audio_sources", **env}
        self.proc = None
        self._log_path = None

    def start(self, timeout: float = 30.0) -> ServeProcess:
        import os
        import subprocess
        import sys
        import tempfile

        import httpx

        fd, self._log_path = tempfile.mkstemp(prefix="copilot-serve-", suffix=".log")
        env = {**os.environ, "COPILOT_HOME": str(self.home), **self.env}
        env.pop("COPILOT_CONFIG", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "copilot", "serve", "--port", str(self.port)],
            env=env,
            stdout=fd,
            stderr=fd,
        )
        os.close(fd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"copilot serve exited {self.proc.returncode}:\n{self.log}")
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError(f"copilot serve did not come up:\n{self.log}")

    @property
    def log(self) -> str:
        if self._log_path is None:
            return ""
        with open(self._log_path, errors="replace") as f:
            return f.read()

    def stop(self, sig: int | None = None, timeout: float = 30.0) -> int | None:
        """Send `sig` (SIGTERM by default); the exit code, or None if it had to be killed."""
        import signal as signals
        import subprocess

        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signals.SIGTERM if sig is None else sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        import os

        if self._log_path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._log_path)


def make_api_key(home) -> str:
    """An API key in `home`'s store, made the way `copilot keys create` does (no server)."""
    from copilot.config import load_settings
    from copilot.server.auth import ApiKeys
    from copilot.store import open_store

    store = open_store(load_settings(home=str(home)))
    try:
        return ApiKeys(store).create("tests")[1]
    finally:
        store.close()
