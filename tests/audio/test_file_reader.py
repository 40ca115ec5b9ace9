"""The file replayer: real-time pacing without drift, max speed, stop at once."""

from __future__ import annotations

import threading
import time
import wave

import numpy as np
import pytest

from copilot.audio.file_reader import FileReplayer, parse_speed


@pytest.fixture
def two_seconds(tmp_path):
    path = tmp_path / "tone.wav"
    t = np.arange(88200) / 44100
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes((0.3 * np.sin(2 * np.pi * 300 * t) * 32767).astype("<i2").tobytes())
    return path


def _replay(path, speed):
    chunks, done = [], threading.Event()
    errors = []
    t0 = time.monotonic()
    rp = FileReplayer(
        path,
        lambda s, p: chunks.append((s.size, p, time.monotonic() - t0)),
        lambda e: (errors.append(e), done.set()),
        speed=speed,
        chunk_ms=20,
    )
    rp.start()
    assert done.wait(10)
    return chunks, errors, time.monotonic() - t0, rp


def test_realtime_pace(two_seconds):
    chunks, errors, elapsed, _rp = _replay(two_seconds, 1.0)
    assert errors == [None]
    assert 1.85 < elapsed < 3.0
    sizes = [n for n, _, _ in chunks]
    assert sum(sizes) == 32000 and all(n == 320 for n in sizes[:-1])
    pts = [p for _, p, _ in chunks]
    assert pts[0] == 0 and np.allclose(np.diff(pts), 0.02)
    lag = [wall - p for _, p, wall in chunks]
    assert max(lag) - min(lag) < 0.5  # no accumulating drift


def test_max_speed(two_seconds):
    assert parse_speed("max") is None and parse_speed("1") == 1.0
    _chunks, errors, elapsed, _ = _replay(two_seconds, "max")
    assert errors == [None] and elapsed < 1.0


def test_stop_interrupts(two_seconds):
    done = threading.Event()
    rp = FileReplayer(two_seconds, lambda s, p: None, lambda e: done.set(), speed=0.25)
    rp.start()
    assert rp._thread.name.startswith("copilot-file")
    time.sleep(0.2)
    t0 = time.monotonic()
    rp.stop()
    assert done.wait(2) and time.monotonic() - t0 < 0.5
