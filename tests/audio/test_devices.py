"""soundcard capture: a clear error without an audio server; a PulseAudio null-sink round trip."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import uuid
import wave

import numpy as np
import pytest

from copilot.audio.wer import wer
from tests.audio.conftest import SR, silence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_no_audio_server_gives_clear_message():
    code = (
        "from copilot.audio.devices import AudioServerUnavailable, list_devices\n"
        "try:\n    list_devices()\nexcept AudioServerUnavailable as e:\n    print('CLEAR', e)\n"
    )
    env = {**os.environ, "PULSE_SERVER": "unix:/nonexistent/pulse/native", "PYTHONPATH": ROOT}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "CLEAR" in out.stdout, out.stderr
    assert "apt-get install" in out.stdout and "pulseaudio --start" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    # issue 18: it ended in a stray "[AssertionError: ]" (soundcard's bare assert)
    assert out.stdout.rstrip().endswith("sink_name=meet)."), out.stdout
    assert "AssertionError" not in out.stdout


def _pulse_ready() -> bool:
    return subprocess.run(["pactl", "info"], capture_output=True, timeout=10).returncode == 0


@pytest.fixture
def null_sink():
    """A fresh PulseAudio null sink (starts a user PulseAudio if none runs)."""
    if shutil.which("pactl") is None or shutil.which("paplay") is None:
        pytest.skip("pactl/paplay not installed (apt-get install -y pulseaudio pulseaudio-utils)")
    if not _pulse_ready() and shutil.which("pulseaudio"):
        subprocess.run(["pulseaudio", "--start", "--exit-idle-time=-1"], capture_output=True)
    if not _pulse_ready():
        pytest.skip("no PulseAudio server could be reached or started")
    name = f"copilot_test_{uuid.uuid4().hex[:8]}"
    module = subprocess.run(
        ["pactl", "load-module", "module-null-sink", f"sink_name={name}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    yield name
    subprocess.run(["pactl", "unload-module", module], capture_output=True)


def test_capture_system_audio_loopback(null_sink, speak, engine, tmp_path):
    from copilot.audio.devices import DeviceRecorder, find_device, list_devices

    text = "Please send the report to the whole team by Monday."
    speech = np.concatenate([silence(0.5), speak(text), silence(0.7)])
    wav = tmp_path / "say.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((speech * 32767).astype("<i2").tobytes())

    devices = list_devices()
    monitor = [d for d in devices if d.id == f"{null_sink}.monitor"]
    assert monitor and monitor[0].kind == "system_audio"
    assert find_device(f"{null_sink}.monitor", kind="system_audio") == monitor[0]

    chunks, pts = [], []
    rec = DeviceRecorder(monitor[0], lambda s, p: (chunks.append(s), pts.append(p))).start()
    assert rec._thread.name.startswith("copilot-rec")
    subprocess.run(["paplay", f"--device={null_sink}", str(wav)], check=True, timeout=30)
    threading.Event().wait(0.3)
    rec.stop()
    assert rec.error is None and not rec.running
    audio = np.concatenate(chunks)
    assert audio.dtype == np.float32 and audio.size / SR > speech.size / SR - 0.2
    assert np.all(np.diff(pts) > 0)
    res = engine.transcribe(audio, partial=False)
    assert wer(text, res.text) <= 0.15, res.text
