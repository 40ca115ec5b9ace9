"""Audio test fixtures: one real faster-whisper tiny.en for the whole session, espeak speech."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: nothing may be downloaded
os.environ.setdefault("OMP_NUM_THREADS", "2")

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "copilot" / "data" / "sample_meeting"
SR = 16000


@pytest.fixture(scope="session")
def engine():
    from copilot.audio.asr import FasterWhisperEngine

    return FasterWhisperEngine(cpu_threads=2)


@pytest.fixture(scope="session")
def speak(tmp_path_factory):
    """speak(text, voice="en-us", wpm=150) -> 16 kHz mono float32 speech, trimmed of silence."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install -y espeak-ng)")
    from copilot.audio.decode import read_audio_file

    folder = tmp_path_factory.mktemp("speech")
    cache: dict[tuple, np.ndarray] = {}

    def _speak(text: str, voice: str = "en-us+m3", wpm: int = 145) -> np.ndarray:
        key = (text, voice, wpm)
        if key not in cache:
            out = folder / f"s{len(cache)}.wav"
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(out), text], check=True
            )
            audio = read_audio_file(out)
            voiced = np.flatnonzero(np.abs(audio) > 0.01)
            cache[key] = audio[voiced[0] : voiced[-1] + 1].copy()
        return cache[key]

    return _speak


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SR), np.float32)


def pink_noise(seconds: float, amplitude: float = 0.1, seed: int = 0) -> np.ndarray:
    """1/f noise via spectral shaping of white noise."""
    n = int(seconds * SR)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    freqs = np.arange(spectrum.size, dtype=np.float64)
    freqs[0] = 1.0
    x = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (x / np.abs(x).max() * amplitude).astype(np.float32)


@pytest.fixture(scope="session")
def sample_meeting():
    ref = json.loads((SAMPLE_DIR / "reference.json").read_text())
    return SAMPLE_DIR, ref


def run_stream(engine, audio: np.ndarray, *, chunk: int = 480, stream_id: str = "mic", **kw):
    """Feed ``audio`` as fast as possible through a StreamingTranscriber; return all results."""
    from copilot.audio.streaming import StreamingTranscriber

    results = []
    st = StreamingTranscriber(engine, results.append, **kw)
    try:
        for i in range(0, audio.size, chunk):
            st.feed(stream_id, audio[i : i + chunk], i / SR)
        assert st.flush(stream_id, timeout=120)
    finally:
        st.close(timeout=30)
    return results


@pytest.fixture(scope="session")
def refine_engine():
    """The refine pass's model as the transcript plugin builds it: bundled base, beam 5."""
    from copilot.audio.asr import FasterWhisperEngine

    return FasterWhisperEngine("base", cpu_threads=2, beam_size=5)
