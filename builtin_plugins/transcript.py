"""Builtin plugin: the live transcript feature (VAD + streaming faster-whisper).

`rtstream.start_transcript()` on a mic or system-audio stream feeds its frames to one shared
`StreamingTranscriber` per runtime; partial and final results come back from the ASR worker
thread as `transcript` events (speaker "me" for the mic, "them" for system audio). The model
is resolved at once (a missing model is an error naming what was tried) and loaded in the
background; frames that arrive meanwhile wait in a bounded buffer.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from functools import lru_cache
from typing import Any, Literal

from copilot import hookimpl
from copilot.capture.frames import AudioFrame
from copilot.errors import ConfigError
from copilot.events import Event

log = logging.getLogger("copilot.transcript")
SPEAKERS = {"mic": "me", "system_audio": "them"}
MAX_PENDING_S = 120.0  # audio buffered per stream while the model loads
FLUSH_TIMEOUT_S = 60.0


class TranscriptLag(Event):
    """A stream's transcription is behind real time (or had to drop audio to stay bounded)."""

    type: Literal["transcript_lag"] = "transcript_lag"
    seconds_behind: float
    dropped_finals: int
    pending_s: float


@lru_cache(maxsize=4)
def _engine(model_path: str, threads: int, compute_type: str, language: str):
    """One loaded model per configuration per process (loading costs ~1 s and ~100 MB)."""
    from copilot.audio.asr import FasterWhisperEngine

    return FasterWhisperEngine(
        model_path, cpu_threads=threads, compute_type=compute_type, language=language
    )


class TranscriptFeature:
    name = "transcript"
    categories = frozenset({"mic", "system_audio"})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transcriber = None
        self._ready = threading.Event()
        self._load_error: BaseException | None = None
        self._streams: dict[str, Any] = {}

    # -- model ---------------------------------------------------------------------------------
    def _load(self, settings, model_path: str) -> None:
        from copilot.audio.streaming import StreamingTranscriber

        try:
            engine = _engine(
                model_path,
                settings.asr_threads,
                settings.asr_compute_type,
                settings.asr_language,
            )
            self._transcriber = StreamingTranscriber(engine, self._on_result, on_lag=self._on_lag)
        except Exception as exc:
            log.error("loading the ASR model failed: %s", exc)
            self._load_error = exc
        self._ready.set()

    def _ensure_loading(self, stream) -> None:
        from copilot.audio.models import ModelNotFoundError, resolve_model

        with self._lock:
            if self._transcriber is not None or (self._loader_started and not self._ready.is_set()):
                return
            settings = stream.runtime.settings
            try:
                model_path = resolve_model(settings.asr_model, settings.home / "models")
            except ModelNotFoundError as exc:
                raise ConfigError(f"asr_model: {exc}") from None
            self._ready.clear()
            self._load_error = None
            self._loader_started = True
            threading.Thread(
                target=self._load, args=(settings, model_path), name="copilot-asr-load", daemon=True
            ).start()

    _loader_started = False

    # -- results (ASR worker thread) ------------------------------------------------------------
    def _on_result(self, res) -> None:
        stream = self._streams.get(res.stream_id)
        if stream is None or not res.text.strip():
            return
        stream.emit(
            {
                "type": "transcript",
                "text": res.text.strip(),
                "is_final": res.is_final,
                "start": round(res.start, 3),
                "end": round(res.end, 3),
                "speaker": SPEAKERS.get(stream.category),
            }
        )

    def _on_lag(self, report) -> None:
        stream = self._streams.get(report.stream_id)
        if stream is not None:
            stream.emit(
                {
                    "type": "transcript_lag",
                    "seconds_behind": round(report.seconds_behind, 2),
                    "dropped_finals": report.dropped_finals,
                    "pending_s": round(report.pending_s, 2),
                    "start": round(stream.session_time(), 3),
                }
            )

    # -- feature contract ---------------------------------------------------------------------
    def start(self, stream, **options: Any) -> TranscriptRun:
        if options:
            raise TypeError(f"start_transcript() got unexpected options: {', '.join(options)}")
        self._ensure_loading(stream)
        self._streams[stream.rtstream_id] = stream
        return TranscriptRun(self, stream)

    def _release(self, rtstream_id: str, timeout: float | None = FLUSH_TIMEOUT_S) -> None:
        """Forget a stream after its last words were delivered; idle → stop the worker."""
        t = self._transcriber
        if t is not None:
            t.remove_stream(rtstream_id, timeout)
        with self._lock:
            self._streams.pop(rtstream_id, None)
            if not self._streams and self._transcriber is not None:
                self._transcriber.close(FLUSH_TIMEOUT_S)
                self._transcriber = None
                self._loader_started = False


class TranscriptRun:
    def __init__(self, feature: TranscriptFeature, stream) -> None:
        self.feature = feature
        self.stream = stream
        self.pending: deque[AudioFrame] = deque()
        self.pending_s = 0.0
        self.dropped_s = 0.0
        self.stopped = False
        self.registered = False
        self.pausing = False

    def on_frame(self, frame: AudioFrame) -> None:
        if self.stopped or not isinstance(frame, AudioFrame):
            return
        t = self.feature._transcriber
        if t is None or self.pausing:  # loading, or a pause flush holds the stream: wait
            if self.feature._load_error is not None:
                raise self.feature._load_error
            self.pending.append(frame)
            self.pending_s += frame.duration
            while self.stream.realtime and self.pending_s > MAX_PENDING_S:
                old = self.pending.popleft()
                self.pending_s -= old.duration
                self.dropped_s += old.duration
            return
        self._drain_pending()
        t.feed(self.stream.rtstream_id, frame.samples, frame.pts)

    def _drain_pending(self) -> None:
        t = self.feature._transcriber
        if t is not None and not self.registered:
            t.add_stream(self.stream.rtstream_id, realtime=self.stream.realtime)
            self.registered = True
        while t is not None and self.pending:
            old = self.pending.popleft()
            t.feed(self.stream.rtstream_id, old.samples, old.pts)
        self.pending_s = 0.0

    async def flush(self) -> None:
        """The session is stopping: transcribe the last words, then release the stream."""
        if self.stopped:
            return
        self.stopped = True
        await asyncio.to_thread(self.feature._ready.wait, FLUSH_TIMEOUT_S)
        if self.feature._load_error is not None:
            raise self.feature._load_error
        self._drain_pending()
        # a fast replay's backlog is the file itself: wait for all of it (the runtime bounds
        # a live stream's flush with drain_timeout)
        timeout = FLUSH_TIMEOUT_S if self.stream.realtime else None
        await asyncio.to_thread(self.feature._release, self.stream.rtstream_id, timeout)

    async def pause(self) -> None:
        """The channel paused: transcribe the utterance in flight now, and go on after resume
        (frames that come meanwhile wait until the flush is done)."""
        t = self.feature._transcriber
        if self.stopped or t is None:
            return
        self._drain_pending()
        self.pausing = True
        try:
            await asyncio.to_thread(t.flush, self.stream.rtstream_id, FLUSH_TIMEOUT_S)
        finally:
            self.pausing = False

    def stop(self) -> None:
        """`stop_transcript()`: finish the utterance in flight in the background."""
        if self.stopped:
            return
        self.stopped = True
        self._drain_pending()
        threading.Thread(
            target=self.feature._release,
            args=(self.stream.rtstream_id,),
            name="copilot-asr-release",
            daemon=True,
        ).start()


@hookimpl
def copilot_register_event_types(register):
    register(TranscriptLag)


@hookimpl
def copilot_register_features(register):
    register("transcript", TranscriptFeature())
