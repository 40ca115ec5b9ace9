"""Real `copilot serve` processes sharing one PostgreSQL database (tests and bench/scale.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


async def until(pred, timeout: float, what: str) -> None:
    """Wait (on the event loop) until `pred()` holds, or fail naming `what`."""
    import asyncio

    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    """`python -m copilot serve` with its own $COPILOT_HOME on the shared database."""

    def __init__(self, home: Path, database_url: str, **settings: str) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
        env.update(
            COPILOT_HOME=str(home),
            COPILOT_DATABASE_URL=database_url,
            LITELLM_LOCAL_MODEL_COST_MAP="True",
            **{f"COPILOT_{k.upper()}": str(v) for k, v in settings.items()},
        )
        self.log = open(home.parent / f"{home.name}.log", "w")  # noqa: SIM115 - closed in stop
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "copilot", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> Replica:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"replica exited: {self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"replica did not come up: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return (self.home.parent / f"{self.home.name}.log").read_text()[-3000:]

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind (leases are not released, sockets just die)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def start(root: Path, database_url: str, n: int, **settings: str) -> list[Replica]:
    """`n` replicas started together (they migrate the database together, too)."""
    replicas = []
    for i in range(n):
        home = root / f"replica{i}"
        home.mkdir(parents=True, exist_ok=True)
        replicas.append(Replica(home, database_url, **settings))
    return [r.wait_ready() for r in replicas]


def api_key(database_url: str) -> str:
    """An API key every replica accepts (it is a row in the shared store)."""
    from copilot.config import load_settings
    from copilot.server.auth import ApiKeys
    from copilot.store import open_store

    store = open_store(load_settings(database_url=database_url))
    try:
        return ApiKeys(store).create("replicas")[1]
    finally:
        store.close()
