"""Microphones and system-audio loopbacks through ``soundcard``, recorded in a named thread.

``import soundcard`` needs a running PulseAudio (or PipeWire-pulse) server on Linux and fails
at import otherwise; ``AudioServerUnavailable`` turns that into a message saying what to install
and start. Recorders convert whatever the device gives to 16 kHz mono float32 with the
streaming resampler and call ``on_chunk(samples, pts)`` from their own thread.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from copilot.audio.resample import TARGET_RATE, StreamingResampler

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "No audio server is running (soundcard needs PulseAudio or PipeWire's pulse server). "
    "Install and start one, e.g.: apt-get install -y pulseaudio pulseaudio-utils && "
    "pulseaudio --start --exit-idle-time=-1 "
    "(for system-audio capture without speakers: "
    "pactl load-module module-null-sink sink_name=meet)."
)


class AudioServerUnavailable(RuntimeError):
    """soundcard cannot talk to an audio server; the message says what to do."""


def _unavailable(exc: BaseException) -> AudioServerUnavailable:
    """The hint, plus what the library said when it said anything (soundcard fails with a bare
    `assert` when no server answers: nothing to add then)."""
    detail = str(exc).strip()
    if not detail:
        return AudioServerUnavailable(INSTALL_HINT)
    return AudioServerUnavailable(f"{INSTALL_HINT} (soundcard: {type(exc).__name__}: {detail})")


@dataclass(frozen=True)
class AudioDevice:
    """A capture device. ``kind`` is "microphone" or "system_audio" (a loopback/monitor)."""

    id: str
    name: str
    kind: str
    is_default: bool
    channels: int


def load_soundcard():
    """Import soundcard, or raise ``AudioServerUnavailable`` with install/start instructions."""
    if "soundcard" in sys.modules:
        return sys.modules["soundcard"]
    argv = sys.argv
    try:
        if not argv or argv[0] == "-c":  # soundcard reads sys.argv[1] for `python -c`
            sys.argv = ["copilot"]
        import soundcard
    except Exception as exc:  # OSError (no libpulse), RuntimeError/AssertionError (no server)
        raise _unavailable(exc) from None
    finally:
        sys.argv = argv
    return soundcard


def list_devices() -> list[AudioDevice]:
    """All microphones and system-audio loopbacks, defaults flagged."""
    sc = load_soundcard()
    try:
        default_mic = _safe_id(sc.default_microphone)
        default_spk = _safe_id(sc.default_speaker)
        mics = sc.all_microphones(include_loopback=True)
    except Exception as exc:
        raise _unavailable(exc) from None
    out = []
    for m in mics:
        loop = bool(getattr(m, "isloopback", False))
        is_default = (
            default_spk is not None and str(m.id) in (default_spk, f"{default_spk}.monitor")
            if loop
            else str(m.id) == default_mic
        )
        kind = "system_audio" if loop else "microphone"
        out.append(AudioDevice(str(m.id), m.name, kind, is_default, int(m.channels)))
    return out


def _safe_id(getter) -> str | None:
    try:
        return str(getter().id)
    except Exception:
        return None


def find_device(query: str, kind: str | None = None) -> AudioDevice:
    """Find a device by id, exact name, "default", or a unique case-insensitive name part."""
    devices = [d for d in list_devices() if kind is None or d.kind == kind]
    q = query.strip()
    if q.lower() in ("default", ""):
        hits = [d for d in devices if d.is_default] or devices[:1]
    else:
        hits = [d for d in devices if q in (d.id, d.name)]
        hits = hits or [d for d in devices if q.lower() in f"{d.id} {d.name}".lower()]
    if len(hits) != 1 and not (hits and q.lower() in ("default", "")):
        names = ", ".join(f"{d.id!r} ({d.kind})" for d in devices) or "none"
        what = "matches several" if hits else "matches no"
        raise LookupError(f"{query!r} {what} {kind or 'audio'} device; available: {names}")
    return hits[0]


class DeviceRecorder:
    """Record one device in a named thread; ``on_chunk(samples_16k_mono, pts)`` per block.

    ``pts`` counts seconds of audio captured since ``start()`` (plus ``start_pts``).
    ``on_error(exc)`` is called once if the device fails; ``stop()`` ends the thread.
    """

    def __init__(
        self,
        device: AudioDevice | str,
        on_chunk: Callable[[np.ndarray, float], None],
        *,
        on_error: Callable[[BaseException], None] | None = None,
        samplerate: int = 48000,
        block_ms: int = 20,
        start_pts: float = 0.0,
        name: str | None = None,
    ) -> None:
        self.device = device if isinstance(device, AudioDevice) else find_device(device)
        self._on_chunk = on_chunk
        self._on_error = on_error
        self._rate = samplerate
        self._block = samplerate * block_ms // 1000
        self._start_pts = start_pts
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=name or f"copilot-rec:{self.device.kind}", daemon=True
        )
        self.samples_out = 0
        self.error: BaseException | None = None

    def start(self, timeout: float = 5.0) -> DeviceRecorder:
        """Start recording; returns once the device stream is open (or has failed)."""
        self._thread.start()
        self._ready.wait(timeout)
        return self

    def stop(self, timeout: float | None = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            sc = load_soundcard()
            mic = sc.get_microphone(self.device.id, include_loopback=True)
            channels = max(1, min(2, int(mic.channels)))
            resampler = StreamingResampler(self._rate, channels)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "data discontinuity" on xruns
                with mic.recorder(
                    samplerate=self._rate, channels=channels, blocksize=self._block
                ) as rec:
                    self._ready.set()
                    while not self._stop.is_set():
                        data = rec.record(numframes=self._block)
                        self._emit(resampler.process(np.asarray(data, np.float32)))
            self._emit(resampler.flush())
        except Exception as exc:
            self.error = exc
            log.warning("recording %s failed: %s", self.device.id, exc)
            if self._on_error is not None:
                self._on_error(exc)
        finally:
            self._ready.set()

    def _emit(self, samples: np.ndarray) -> None:
        if samples.size:
            self._on_chunk(samples, self._start_pts + self.samples_out / TARGET_RATE)
            self.samples_out += samples.size
