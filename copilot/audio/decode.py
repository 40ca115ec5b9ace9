"""Read any audio file PyAV can open as a stream of 16 kHz mono float32 chunks.

Files come from users: missing, empty, truncated or not audio at all. Each of those becomes
an ``AudioFileError`` naming the path and the reason, never a raw PyAV traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from copilot.audio.resample import TARGET_RATE


class AudioFileError(ValueError):
    """An audio file that cannot be read; ``path`` and ``reason`` say which and why."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read audio file {self.path!r}: {reason}")


def _open(path: str):
    import av  # lazy: PyAV is heavy

    if not os.path.exists(path):
        raise AudioFileError(path, "file not found")
    if os.path.isdir(path):
        raise AudioFileError(path, "is a directory, not a file")
    if os.path.getsize(path) == 0:
        raise AudioFileError(path, "file is empty (0 bytes)")
    try:
        container = av.open(path, metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise AudioFileError(path, f"not a recognised or readable audio format ({exc})") from None
    except OSError as exc:
        raise AudioFileError(path, f"cannot open ({exc.strerror or exc})") from None
    if not container.streams.audio:
        container.close()
        raise AudioFileError(path, "contains no audio stream (unsupported or not an audio file)")
    return av, container


def iter_audio_file(path: str | os.PathLike, chunk_samples: int = 480) -> Iterator[np.ndarray]:
    """Yield 16 kHz mono float32 chunks of exactly ``chunk_samples`` (the last may be shorter).

    Raises ``AudioFileError`` before the first chunk for missing/empty/unsupported files, and
    while iterating if decoding fails part-way or the file holds no audio samples at all.
    """
    path = os.fspath(path)
    av, container = _open(path)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=TARGET_RATE)
    pending = np.zeros(0, np.float32)
    total = 0
    try:
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        try:
            for frame in _frames(container, stream):
                frame.pts = None  # let the resampler count; odd timestamps must not break it
                for out in resampler.resample(frame):
                    pending = np.concatenate([pending, out.to_ndarray().reshape(-1)])
                while pending.size >= chunk_samples:
                    chunk, pending = pending[:chunk_samples], pending[chunk_samples:]
                    total += chunk.size
                    yield chunk
            for out in resampler.resample(None):
                pending = np.concatenate([pending, out.to_ndarray().reshape(-1)])
        except av.FFmpegError as exc:
            raise AudioFileError(path, f"corrupt or truncated audio data ({exc})") from None
        while pending.size:
            chunk, pending = pending[:chunk_samples], pending[chunk_samples:]
            total += chunk.size
            yield chunk
        if total == 0:
            raise AudioFileError(path, "no audio samples could be decoded (empty or corrupt)")
    finally:
        container.close()


def _frames(container, stream):
    """Decode packets, skipping a few undecodable ones but failing if nothing decodes."""
    import av

    bad = 0
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.InvalidDataError:
            bad += 1
            if bad > 50:
                raise


def read_audio_file(path: str | os.PathLike) -> np.ndarray:
    """Decode a whole file into one 16 kHz mono float32 array."""
    chunks = list(iter_audio_file(path, chunk_samples=TARGET_RATE * 10))
    return np.concatenate(chunks).astype(np.float32)
