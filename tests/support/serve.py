"""A real `copilot serve` process on 127.0.0.1 with an API key, for tests of what users run."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from copilot.config import load_settings
from copilot.server.auth import ApiKeys
from copilot.store import open_store


@dataclass
class Served:
    url: str
    api_key: str = field(repr=False)
    home: Path
    proc: subprocess.Popen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    return {**env, "COPILOT_HOME": str(home), **extra}


def create_key(home: Path) -> str:
    """A new API key in the store at `home` (as `copilot keys create` makes one)."""
    store = open_store(load_settings(home=str(home)))
    try:
        return ApiKeys(store).create("tests")[1]
    finally:
        store.close()


@contextlib.contextmanager
def copilot_serve(home: Path, timeout: float = 60.0) -> Iterator[Served]:
    """`copilot serve --port N` (installed plugins, the user's config), stopped afterwards."""
    home.mkdir(parents=True, exist_ok=True)
    key = create_key(home)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "serve.log").open("w")  # a file, not a pipe: a full pipe would block it
    proc = subprocess.Popen(
        [sys.executable, "-m", "copilot", "serve", "--port", str(port)],
        env=child_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                output = (home / "serve.log").read_text()
                raise RuntimeError(f"copilot serve exited {proc.returncode}: {output}")
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("copilot serve did not come up") from None
                time.sleep(0.1)
        yield Served(url, key, home, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
