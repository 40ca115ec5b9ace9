"""Fixtures for screen tests: a private Xvfb, real Tk windows, one warmed-up OCR engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SCREEN = (1920, 1080)


@pytest.fixture(scope="session")
def xvfb():
    """Start `Xvfb -displayfd` (it picks a free display number) and point DISPLAY at it."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{number}"
    yield f":{number}"
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old
    proc.terminate()
    proc.wait(10)


class TkWindow:
    """A Tk window in its own process; `send(**cmd)` waits until it is redrawn."""

    def __init__(self, **kwargs):
        try:
            import tkinter  # noqa: F401
        except ImportError:
            pytest.skip("tkinter is not available for this Python")
        args = [sys.executable, str(HERE / "tkapp.py")]
        for key, value in kwargs.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self._expect("ready")
        time.sleep(0.1)

    def _expect(self, word: str) -> None:
        line = self.proc.stdout.readline().strip()
        assert line == word, f"tk window said {line!r}, expected {word!r}"

    def send(self, **cmd) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        self._expect("ok")
        time.sleep(0.05)  # let the X server finish painting

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def tk_window(xvfb):
    windows = []

    def make(**kwargs) -> TkWindow:
        win = TkWindow(**kwargs)
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()


@pytest.fixture(scope="session")
def ocr_engine():
    pytest.importorskip("rapidocr")
    from copilot.vision.ocr import RapidOcrEngine

    engine = RapidOcrEngine(threads=2)
    engine.warmup()
    return engine


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail any connection that leaves 127.0.0.1 (proves a path runs offline); records tries."""
    import socket

    tried = []
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")):
            tried.append(address)
            raise OSError(f"network disabled in this test: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return tried
