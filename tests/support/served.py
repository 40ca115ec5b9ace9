"""A real `copilot serve` in a subprocess on 127.0.0.1, the way a user runs one.

`copilot keys create` makes the API key, `copilot serve --port 0 --plugin …` picks a free
port and logs it; settings go in as `COPILOT_*` environment variables. The server's log is
kept so a failing test can show it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


def settings_env(settings: dict[str, Any]) -> dict[str, str]:
    """`{"drain_timeout": 5}` → `{"COPILOT_DRAIN_TIMEOUT": "5"}` (lists and dicts as JSON)."""
    out = {}
    for key, value in settings.items():
        text = json.dumps(value) if isinstance(value, list | dict | bool) else str(value)
        out[f"COPILOT_{key.upper()}"] = text
    return out


class ServedBackend:
    def __init__(
        self,
        home: Path,
        *,
        plugins: tuple[str, ...] = (),
        entrypoints: bool = True,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.home = Path(home)
        self.plugins = plugins
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
        env.update(settings_env(settings or {}))
        env["COPILOT_HOME"] = str(self.home)
        if not entrypoints:  # an allow-list no installed plugin is on: only --plugin ones load
            env["COPILOT_PLUGINS"] = "served-test-plugins-only"
        self.env = env
        self.url = ""
        self.api_key = ""
        self.log: list[str] = []
        self.proc: subprocess.Popen | None = None

    def _copilot(self, *args: str, **kw: Any) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "copilot", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            **kw,
        )

    def start(self, timeout: float = 120.0) -> ServedBackend:
        out = self._copilot("keys", "create", "--name", "tests").stdout
        self.api_key = out.strip().splitlines()[-1]
        argv = [sys.executable, "-m", "copilot", "serve", "--port", "0"]
        for spec in self.plugins:
            argv += ["--plugin", spec]
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
        )
        found = threading.Event()
        threading.Thread(target=self._read_log, args=(found,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("copilot serve did not start:\n" + self.tail())
        return self

    def _read_log(self, found: threading.Event) -> None:
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.log.append(line)
            m = RUNNING.search(line)
            if m and not self.url:
                self.url = m.group(1)
                found.set()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log[-lines:])

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # what Ctrl+C does: uvicorn shuts down cleanly
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> ServedBackend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
