"""Resampling to 16 kHz mono and decoding files, including the files users get wrong."""

from __future__ import annotations

import shutil
import subprocess
import threading

import numpy as np
import pytest

from copilot.audio.decode import AudioFileError, iter_audio_file, read_audio_file
from copilot.audio.file_reader import FileReplayer
from copilot.audio.resample import StreamingResampler, to_16k_mono


def _tone(rate: int, seconds: float, channels: int) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    mono = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono


@pytest.mark.parametrize(("rate", "channels"), [(48000, 2), (44100, 1), (8000, 1), (16000, 2)])
def test_resample_any_format_to_16k_mono(rate, channels):
    x = _tone(rate, 2.0, channels)
    rs = StreamingResampler(rate, channels)
    chunks = [rs.process(x[i : i + rate // 50]) for i in range(0, len(x), rate // 50)]
    y = np.concatenate([*chunks, rs.flush()])
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(y.size - 32000) <= 32
    np.testing.assert_allclose(y, to_16k_mono(x, rate, channels), atol=1e-5)  # chunking: no seams
    assert 0.45 < np.abs(y[1000:-1000]).max() < 0.55


def test_resample_int16_input():
    x = (_tone(48000, 0.5, 1) * 32767).astype(np.int16)
    y = to_16k_mono(x, 48000)
    assert y.dtype == np.float32 and 0.45 < np.abs(y[500:-500]).max() < 0.55


@pytest.fixture(scope="module")
def speech_files(tmp_path_factory, speak):
    """The same sentence as wav (22 kHz), flac (44.1 kHz stereo), ogg and mp3."""
    if shutil.which("sox") is None:
        pytest.skip("sox not installed (apt-get install -y sox)")
    folder = tmp_path_factory.mktemp("formats")
    speech = speak("Please send the report to the whole team by Monday.")
    wav16 = folder / "speech16.wav"
    import wave

    with wave.open(str(wav16), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((speech * 32767).astype("<i2").tobytes())
    out = {"wav": wav16}
    for ext, args in {"flac": ["-r", "44100", "-c", "2"], "ogg": [], "mp3": []}.items():
        path = folder / f"speech.{ext}"
        res = subprocess.run(["sox", str(wav16), *args, str(path)], capture_output=True)
        if res.returncode == 0:
            out[ext] = path
    return out, speech.size / 16000


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_decode_formats(speech_files, ext, engine):
    files, seconds = speech_files
    if ext not in files:
        pytest.skip(f"this sox cannot write {ext}")
    audio = read_audio_file(files[ext])
    assert audio.dtype == np.float32 and abs(audio.size / 16000 - seconds) < 0.15
    chunks = list(iter_audio_file(files[ext], chunk_samples=480))
    assert all(c.size == 480 for c in chunks[:-1])
    assert "report" in engine.transcribe(audio, partial=False).text.lower()


def _bad_files(tmp_path):
    good_header = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80>\x00\x00"
    files = {
        "missing": tmp_path / "nope.wav",
        "empty": tmp_path / "empty.wav",
        "garbage": tmp_path / "garbage.wav",
        "text": tmp_path / "notes.txt",
        "header_only": tmp_path / "header.wav",
        "directory": tmp_path,
    }
    files["empty"].write_bytes(b"")
    files["garbage"].write_bytes(bytes(range(256)) * 40)
    files["text"].write_text("minutes of the meeting\n" * 100)
    files["header_only"].write_bytes(good_header + b"\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00")
    return files


@pytest.mark.parametrize(
    "kind", ["missing", "empty", "garbage", "text", "header_only", "directory"]
)
def test_bad_files_raise_clear_error(tmp_path, kind):
    path = _bad_files(tmp_path)[kind]
    with pytest.raises(AudioFileError) as info:
        read_audio_file(path)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path == str(path) and str(path) in str(err) and err.reason
    assert "Traceback" not in str(err)


def test_replayer_reports_bad_file_and_ends(tmp_path):
    path = _bad_files(tmp_path)["garbage"]
    ended = threading.Event()
    errors = []
    rp = FileReplayer(path, lambda s, p: None, lambda e: (errors.append(e), ended.set()))
    rp.start()
    assert ended.wait(5)
    rp.join(2)
    assert not rp.running
    assert isinstance(errors[0], AudioFileError)
