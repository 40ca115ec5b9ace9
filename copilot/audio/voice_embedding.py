"""Speaker embeddings from Resemblyzer's voice encoder, run with numpy (no torch).

The PyPI package `resemblyzer` (Apache-2.0) ships `pretrained.pt` (17 MB): a GE2E speaker
encoder (40 mel bands at 16 kHz, 3 LSTM layers of 256, a 256-d projection). The package
itself imports torch, so we never import it: we find its folder, read the legacy torch
pickle with a restricted unpickler (only the tensor-rebuild calls it needs) and run the
LSTM in numpy. An utterance's embedding is the L2-normed mean of its 1.6 s windows, as the
package computes it.
"""

from __future__ import annotations

import importlib.util
import pickle
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

RATE = 16000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
WINDOW_FRAMES = 160  # 1.6 s per partial embedding
WINDOW_STEP = 77  # frames between windows (~1.3 windows per second, the package default)
INSTALL_HINT = "pip install --no-deps resemblyzer==0.1.4 (its weights; torch is not needed)"


class VoiceModelMissing(RuntimeError):
    """The embedding weights are not installed."""


def weights_path() -> Path:
    spec = importlib.util.find_spec("resemblyzer")  # finds the folder without importing it
    if spec is None or not spec.submodule_search_locations:
        raise VoiceModelMissing(f"no speaker-embedding weights: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    if not path.is_file():
        raise VoiceModelMissing(f"{path} is missing: {INSTALL_HINT}")
    return path


# ------------------------------------------------------------------ legacy torch file
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64}


class _Storage:
    def __init__(self, dtype, size: int) -> None:
        self.dtype, self.size, self.data = dtype, size, None


class _Unpickler(pickle.Unpickler):
    """Only what a state dict of float tensors needs; anything else is refused."""

    def find_class(self, module: str, name: str):
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in the weights file")


def _rebuild_tensor(storage, offset, size, stride, *_):
    return ("tensor", storage, offset, tuple(size), tuple(stride))


def load_state(path: Path) -> dict[str, np.ndarray]:
    storages: dict[str, _Storage] = {}

    def persistent_load(saved_id):
        kind, dtype_name, key, _location, size, _view = saved_id
        if kind != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {kind!r}")
        storages.setdefault(key, _Storage(_DTYPES[dtype_name], size))
        return storages[key]

    with path.open("rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)
        unpickler = _Unpickler(f)
        unpickler.persistent_load = persistent_load
        checkpoint = unpickler.load()
        for key in pickle.load(f):  # raw storage data, in this order
            st = storages[key]
            (count,) = struct.unpack("<q", f.read(8))
            st.data = np.frombuffer(f.read(count * np.dtype(st.dtype).itemsize), st.dtype)
    state = checkpoint.get("model_state", checkpoint)
    out = {}
    for name, (_, st, offset, size, stride) in state.items():
        item = np.dtype(st.dtype).itemsize
        view = np.lib.stride_tricks.as_strided(
            st.data[offset:], shape=size, strides=[s * item for s in stride]
        )
        out[name] = np.ascontiguousarray(view, dtype=np.float32)
    return out


# ------------------------------------------------------------------ features
def _hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    lin = f / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log_part, lin)


def _mel_to_hz(m):
    m = np.asanyarray(m, dtype=np.float64)
    lin = m * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
    return np.where(m >= 15.0, log_part, lin)


@lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """Slaney-style mel filterbank (40 × 201), area-normalised, as librosa builds it."""
    fft_freqs = np.linspace(0, RATE / 2, N_FFT // 2 + 1)
    mel_pts = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_pts)
    ramps = mel_pts[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_pts[2 : N_MELS + 2] - mel_pts[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """Power mel spectrogram, frames × 40 (centred frames, zero padding)."""
    wav = np.pad(np.asarray(wav, np.float32), N_FFT // 2)
    n = 1 + (len(wav) - N_FFT) // HOP
    if n <= 0:
        return np.zeros((0, N_MELS), np.float32)
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann
    spec = np.abs(np.fft.rfft(wav[idx] * window, axis=1)) ** 2
    return (spec.astype(np.float32) @ mel_filters().T).astype(np.float32)


def normalize_volume(wav: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(wav)))) if len(wav) else 0.0
    if rms <= 0:
        return wav
    gain = 10 ** ((target_dbfs - 20 * np.log10(rms)) / 20)
    return wav * gain if gain > 1 else wav  # raise quiet speech only, as the package does


# ------------------------------------------------------------------ the encoder
def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it, only slower
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class VoiceEncoder:
    """`embed(wav)` → a unit 256-d voice vector for 16 kHz mono float audio."""

    def __init__(self, path: Path | None = None) -> None:
        state = load_state(path or weights_path())
        self.layers = []
        for i in range(3):
            w_ih = state[f"lstm.weight_ih_l{i}"]
            w_hh = state[f"lstm.weight_hh_l{i}"]
            bias = state[f"lstm.bias_ih_l{i}"] + state[f"lstm.bias_hh_l{i}"]
            self.layers.append((np.ascontiguousarray(w_ih.T), np.ascontiguousarray(w_hh.T), bias))
        self.proj_w = np.ascontiguousarray(state["linear.weight"].T)
        self.proj_b = state["linear.bias"]

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        """mels: windows × frames × 40 → windows × 256 (unit vectors)."""
        x = mels
        for w_ih, w_hh, bias in self.layers:
            batch, steps, _ = x.shape
            hidden = w_hh.shape[0]
            gates_in = x @ w_ih + bias  # all time steps at once
            h = np.zeros((batch, hidden), np.float32)
            c = np.zeros((batch, hidden), np.float32)
            out = np.empty((batch, steps, hidden), np.float32)
            for t in range(steps):
                g = gates_in[:, t] + h @ w_hh
                i, f, gg, o = np.split(g, 4, axis=1)
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(gg)
                h = _sigmoid(o) * np.tanh(c)
                out[:, t] = h
            x = out
        emb = np.maximum(x[:, -1] @ self.proj_w + self.proj_b, 0.0)
        return emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)

    def embed(self, wav: np.ndarray) -> np.ndarray:
        with _one_blas_thread():  # small matrices: BLAS threads only spin (10x the CPU)
            return self._embed(wav)

    def _embed(self, wav: np.ndarray) -> np.ndarray:
        mel = mel_frames(normalize_volume(np.asarray(wav, np.float32)))
        if len(mel) < WINDOW_FRAMES:
            mel = np.pad(mel, ((0, WINDOW_FRAMES - len(mel)), (0, 0)))
        starts = range(0, len(mel) - WINDOW_FRAMES + 1, WINDOW_STEP)
        windows = np.stack([mel[s : s + WINDOW_FRAMES] for s in starts])
        mean = self._forward(windows).mean(axis=0)
        return mean / max(float(np.linalg.norm(mean)), 1e-9)


@lru_cache(maxsize=1)
def shared_encoder() -> VoiceEncoder:
    """One encoder per process (loading takes ~0.1 s and 17 MB)."""
    return VoiceEncoder()
