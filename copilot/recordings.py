"""A session's recording on disk, and clips cut from it for replay.

Audio: `$COPILOT_HOME/sessions/<id>/audio/<channel>.flac` (+ `.json` with the session time of
its first sample). Screens: `…/screen/<channel>/` (every changed frame) and
`…/keyframes/<rtstream>/` (the frames visual indexing looked at).
"""

from __future__ import annotations

import io
import json
import shutil
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from copilot.errors import CopilotError, NotFound

RATE = 16000


def session_dir(home: Path, session_id: str) -> Path:
    return Path(home) / "sessions" / session_id


@dataclass(frozen=True)
class ChannelAudio:
    channel: str
    path: Path
    start: float  # session time of the first sample


def channel_audio(home: Path, session_id: str) -> list[ChannelAudio]:
    folder = session_dir(home, session_id) / "audio"
    out = []
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        out.append(ChannelAudio(meta["channel"], folder / meta["file"], float(meta["start"])))
    return out


def keyframe_at(home: Path, session_id: str, t: float) -> Path | None:
    """The image that was on screen at session time `t`: the session's video (its primary
    display) if it shows something by then, else the latest keyframe at or before `t`."""
    from copilot.runtime.recorder import ScreenRecorder
    from copilot.vision.keyframes import KeyframeStore

    best = None
    base = session_dir(home, session_id)
    folders = [*(base / "screen").glob("*"), *(base / "keyframes").glob("*")]
    for folder in sorted(f for f in folders if f.is_dir()):
        kf = KeyframeStore(folder).at(t)
        if kf is not None and (folder / ScreenRecorder.VIDEO_MARK).exists():
            return kf.path
        if kf is not None and (best is None or kf.t > best.t):
            best = kf
    return best.path if best is not None else None


@dataclass(frozen=True)
class Clip:
    audio: Path
    keyframe: Path | None
    start: float
    end: float


def cut(home: Path, session_id: str, start: float, end: float, channel: str | None = None):
    """Mixed (or one channel's) 16 kHz mono samples for session times [start, end]."""
    from copilot.audio.decode import read_audio_file

    tracks = [a for a in channel_audio(home, session_id) if channel in (None, a.channel)]
    if not tracks:
        what = f"channel {channel!r}" if channel else "any audio channel"
        raise NotFound(f"session {session_id} has no recording of {what}")
    start = max(0.0, start)
    n = max(0, round((end - start) * RATE))
    mix = np.zeros(n, np.float32)
    for track in tracks:
        samples = read_audio_file(track.path)
        first = round((start - track.start) * RATE)
        lo, hi = max(first, 0), max(min(first + n, len(samples)), 0)
        if hi > lo:
            mix[lo - first : hi - first] += samples[lo:hi]
    return np.clip(mix, -1.0, 1.0)


def clip_range(start: float, end: float, pad: float) -> tuple[float, float]:
    """The session times a clip of [start, end] with `pad` covers."""
    if end < start:
        raise ValueError(f"clip end {end} is before its start {start}")
    return max(0.0, start - pad), end + pad


def wav_bytes(samples: np.ndarray) -> bytes:
    """16 kHz mono 16-bit WAV of float samples in [-1, 1]."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16).tobytes())
    return out.getvalue()


def wav_samples(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data), "rb") as w:
        raw = w.readframes(w.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def clip_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".wav":
        path = path.with_suffix(".wav")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def export_clip(
    home: Path,
    session_id: str,
    start: float,
    end: float,
    path: str | Path,
    *,
    pad: float = 2.0,
    channel: str | None = None,
) -> Clip:
    """Write [start - pad, end + pad] as WAV (all audio channels mixed, or one) plus the
    keyframe shown then, as `<path stem>.jpg`/`.webp` beside it."""
    lo, hi = clip_range(start, end, pad)
    samples = cut(home, session_id, lo, hi, channel)
    path = clip_path(path)
    path.write_bytes(wav_bytes(samples))
    frame = keyframe_at(home, session_id, (start + end) / 2)
    image = None
    if frame is not None:
        image = path.with_suffix(frame.suffix)
        shutil.copyfile(frame, image)
    return Clip(path, image, lo, lo + len(samples) / RATE)


class LocalClips:
    """Clips from the recordings under this machine's `home` (what embedded hits use)."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)

    def export_clip(self, session_id, start, end, path, *, pad=2.0, channel=None) -> Clip:
        return export_clip(self.home, session_id, start, end, path, pad=pad, channel=channel)

    def cut(self, session_id, start, end, channel=None) -> np.ndarray:
        return cut(self.home, session_id, start, end, channel)


def play(samples: np.ndarray) -> None:
    """Play through the default speaker, or say clearly why not."""
    from copilot.audio.devices import AudioServerUnavailable, load_soundcard

    try:
        sc = load_soundcard()
        speaker = sc.default_speaker()
    except AudioServerUnavailable as exc:
        raise CopilotError(f"cannot play: {exc}") from None
    except Exception as exc:
        raise CopilotError(f"cannot play: no speaker ({exc})") from None
    speaker.play(samples, samplerate=RATE)
