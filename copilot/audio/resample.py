"""Convert any sample rate / channel count to 16 kHz mono float32, chunk by chunk.

Devices and decoders hand us audio in whatever shape they have; everything downstream (VAD,
Whisper) wants 16 kHz mono float32. The converter keeps its filter state across chunks
(libswresample via PyAV), so chunk boundaries do not click.
"""

from __future__ import annotations

import numpy as np

TARGET_RATE = 16000


def _as_frames(samples: np.ndarray, channels: int) -> np.ndarray:
    """Return samples as a (n_frames, channels) float32 array."""
    arr = np.asarray(samples)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max)
    arr = arr.astype(np.float32, copy=False)
    if arr.ndim == 1:
        arr = arr.reshape(-1, channels) if channels > 1 else arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != channels:
        raise ValueError(f"expected (n, {channels}) samples, got shape {np.shape(samples)}")
    return arr


class StreamingResampler:
    """Stateful converter to 16 kHz mono float32; call ``process`` per chunk, ``flush`` at the end.

    Input: float32 (or integer PCM) shaped ``(n,)`` for mono or ``(n, channels)`` interleaved.
    """

    def __init__(self, in_rate: int, in_channels: int = 1, out_rate: int = TARGET_RATE) -> None:
        if in_rate <= 0 or in_channels <= 0:
            raise ValueError(f"invalid input format: {in_rate} Hz, {in_channels} channels")
        self.in_rate = int(in_rate)
        self.in_channels = int(in_channels)
        self.out_rate = int(out_rate)
        self._passthrough = self.in_rate == self.out_rate
        self._resampler = None
        if not self._passthrough:
            import av  # lazy: PyAV is heavy

            self._av = av
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=self.out_rate)

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Convert one chunk; may return fewer/more samples than the exact ratio (filter delay)."""
        frames = _as_frames(samples, self.in_channels)
        mono = frames[:, 0] if self.in_channels == 1 else frames.mean(axis=1)
        mono = np.ascontiguousarray(mono, dtype=np.float32)
        if self._passthrough or mono.size == 0:
            return mono.copy() if self._passthrough else np.zeros(0, np.float32)
        frame = self._av.AudioFrame.from_ndarray(mono.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = self.in_rate
        return self._collect(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        """Drain the filter's delay line (call once, at end of stream)."""
        if self._passthrough or self._resampler is None:
            return np.zeros(0, np.float32)
        return self._collect(self._resampler.resample(None))

    @staticmethod
    def _collect(frames) -> np.ndarray:
        if not frames:
            return np.zeros(0, np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)


def to_16k_mono(samples: np.ndarray, in_rate: int, in_channels: int = 1) -> np.ndarray:
    """One-shot conversion of a whole buffer."""
    rs = StreamingResampler(in_rate, in_channels)
    return np.concatenate([rs.process(samples), rs.flush()])
