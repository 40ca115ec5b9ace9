"""Builtin plugin: the live transcript feature (VAD + streaming faster-whisper) and its refine pass.

`rtstream.start_transcript(vocabulary=[...])` on a mic or system-audio stream feeds its frames
to one shared `StreamingTranscriber` per runtime; partial and final results come back from the
ASR worker thread as `transcript` events (speaker "me" for the mic, "them" for system audio),
each with an `utterance_id`. Live finals have `revision` 0. The refine pass
(`copilot.audio.refine`, settings `asr_refine_*`) then decodes each final's audio again with a
larger model in the background and emits the better text as revision 1 of the same utterance
(only when it differs). Names and terms — the `vocabulary` option, the session's
`participants`/`user_name` metadata or settings `meeting_participants`/`user_name` — bias the
refine pass (and the live pass with `asr_live_vocabulary`). Models are resolved at once (a
missing model is an error naming what was tried) and loaded in the background; frames that
arrive meanwhile wait in a bounded buffer. Dropped refinements (a real-time stream whose
refine queue is full keeps its live text) are counted and reported as `transcript_lag` events.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from functools import lru_cache
from typing import Any, Literal

from copilot import hookimpl
from copilot.audio.diarize import Diarization
from copilot.capture.frames import AudioFrame
from copilot.errors import ConfigError
from copilot.events import Event
from copilot.ids import new_id

log = logging.getLogger("copilot.transcript")
SPEAKERS = {"mic": "me", "system_audio": "them"}
MAX_PENDING_S = 120.0  # audio buffered per stream while the model loads
FLUSH_TIMEOUT_S = 60.0
REFINE_OFF = ("off", "none", "false", "no", "")


class TranscriptLag(Event):
    """A stream's transcription is behind real time (or had to drop audio to stay bounded);
    ``refine_dropped``: utterances the refine pass skipped to keep up (they keep live text)."""

    type: Literal["transcript_lag"] = "transcript_lag"
    seconds_behind: float
    dropped_finals: int
    pending_s: float
    refine_dropped: int = 0


@lru_cache(maxsize=4)
def _engine(
    role: str,
    model_path: str,
    threads: int,
    compute_type: str,
    language: str,
    device: str = "cpu",
    beam_size: int = 1,
):
    """One loaded model per role and configuration per process (~1 s and 100-300 MB each)."""
    from copilot.audio.asr import FasterWhisperEngine

    return FasterWhisperEngine(
        model_path,
        cpu_threads=threads,
        compute_type=compute_type,
        language=language,
        device=device,
        beam_size=beam_size,
    )


def vocabulary_prompt(stream, vocabulary: list[str]) -> str | None:
    """Names and terms to bias decoding: the option's, then the meeting's participants."""
    from copilot.intelligence.meeting import MeetingInfo

    try:
        people = MeetingInfo.from_session(stream).participants
    except (TypeError, ValueError) as exc:  # malformed metadata must not stop the transcript
        log.warning("transcript: ignoring session participants: %s", exc)
        people = []
    words = list(dict.fromkeys(w.strip() for w in [*vocabulary, *people] if w and w.strip()))
    return ", ".join(words) + "." if words else None


def _vocabulary(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError("start_transcript(vocabulary=...) takes a list of names and terms")
    return [v.strip() for v in value if v.strip()]


class TranscriptFeature:
    name = "transcript"
    categories = frozenset({"mic", "system_audio"})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transcriber = None
        self._refiner = None
        self._ready = threading.Event()
        self._load_error: BaseException | None = None
        self._streams: dict[str, Any] = {}
        self._prompts: dict[str, str | None] = {}
        self._utterances: dict[tuple[str, int], str] = {}
        self.speakers = Diarization()  # speaker_id on system-audio finals (copilot.audio.diarize)

    # -- models --------------------------------------------------------------------------------
    def _load(self, settings, model_path: str) -> None:
        from copilot.audio.streaming import StreamingTranscriber

        try:
            engine = _engine(
                "live",
                model_path,
                settings.asr_threads,
                settings.asr_compute_type,
                settings.asr_language,
                settings.asr_device,
            )
            self._transcriber = StreamingTranscriber(engine, self._on_result, on_lag=self._on_lag)
        except Exception as exc:
            log.error("loading the ASR model failed: %s", exc)
            self._load_error = exc
        self._ready.set()

    def _ensure_loading(self, stream) -> None:
        from copilot.audio.models import ModelNotFoundError, resolve_model

        with self._lock:
            settings = stream.runtime.settings
            refine = (settings.asr_refine_model or "").strip()
            start_refiner = self._refiner is None and refine.lower() not in REFINE_OFF
            start_live = self._transcriber is None and not (
                self._loader_started and not self._ready.is_set()
            )
            # both models are found before either starts loading: a bad setting is a clear
            # error, with no model left loading on a thread nobody will close
            try:
                refine_path = resolve_model(refine) if start_refiner else None
            except ModelNotFoundError as exc:
                raise ConfigError(f"asr_refine_model: {exc}") from None
            try:
                model_path = resolve_model(settings.asr_model) if start_live else None
            except ModelNotFoundError as exc:
                raise ConfigError(f"asr_model: {exc}") from None
            if refine_path is not None:
                self._refiner = self._start_refiner(settings, refine_path)
            if model_path is None:
                return
            self._ready.clear()
            self._load_error = None
            self._loader_started = True
            threading.Thread(
                target=self._load, args=(settings, model_path), name="copilot-asr-load", daemon=True
            ).start()

    _loader_started = False

    def _start_refiner(self, settings, model_path: str):
        from copilot.audio.refine import Refiner

        def load():
            return _engine(
                "refine",
                model_path,
                settings.asr_refine_threads,
                settings.asr_compute_type,
                settings.asr_language,
                settings.asr_device,
                settings.asr_refine_beam_size,
            )

        return Refiner(
            load,
            self._on_refined,
            on_drop=self._on_refine_drop,
            max_pending_s=settings.asr_refine_max_pending_s,
        )

    # -- results (ASR worker thread) ------------------------------------------------------------
    def _utterance_id(self, res) -> str:
        """The same id for an utterance's partials, final and revisions (new per utterance)."""
        key = (res.stream_id, res.utterance)
        with self._lock:
            uid = self._utterances.pop(key, None) if res.is_final else self._utterances.get(key)
            if uid is None:
                uid = new_id("utt")
                if not res.is_final:
                    self._utterances[key] = uid
        return uid

    def _on_result(self, res) -> None:
        stream = self._streams.get(res.stream_id)
        if stream is None or not res.text.strip():
            return
        event = {
            "type": "transcript",
            "text": res.text.strip(),
            "is_final": res.is_final,
            "start": round(res.start, 3),
            "end": round(res.end, 3),
            "speaker": SPEAKERS.get(stream.category),
            "utterance_id": self._utterance_id(res),
            "revision": 0,
        }
        if res.is_final:
            self._finalise(stream, res, event)
        stream.emit(event)
        if res.is_final and self._refiner is not None and res.audio is not None:
            self._refine(stream, res, event)

    def _finalise(self, stream, res, event: dict) -> None:
        """A final's audio (``res.audio``) and its event, before it is emitted: the place to
        label it further (a speaker within the channel goes in ``event["speaker_id"]``; the
        refined revision copies the event)."""
        event["speaker_id"] = self.speakers.label(
            stream, event["text"], res.start, res.end, audio=res.audio
        )

    def _refine(self, stream, res, event: dict) -> None:
        from copilot.audio.refine import RefineJob

        self._refiner.submit(
            RefineJob(
                res.stream_id,
                res.audio,
                prompt=self._prompts.get(res.stream_id),
                realtime=stream.realtime,
                context=(stream, event),
            )
        )

    def _on_refined(self, job, result) -> None:
        stream, event = job.context
        text = result.text.strip()
        if not text or text == event["text"]:
            return  # the live text stands
        stream.emit({**event, "text": text, "revision": 1})

    def _on_refine_drop(self, stream_id: str, dropped: int) -> None:
        self._lag_event(stream_id, refine_dropped=dropped)

    def _on_lag(self, report) -> None:
        self._lag_event(
            report.stream_id,
            seconds_behind=report.seconds_behind,
            dropped_finals=report.dropped_finals,
            pending_s=report.pending_s,
        )

    def _lag_event(self, stream_id: str, **fields: Any) -> None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        live = (self._transcriber.stats().get(stream_id, {}) if self._transcriber else {}) or {}
        refine = self._refiner.stats().get(stream_id, {}) if self._refiner else {}
        values = {
            "seconds_behind": live.get("seconds_behind", 0.0),
            "dropped_finals": live.get("dropped_finals", 0),
            "pending_s": live.get("pending_s", 0.0),
            "refine_dropped": refine.get("dropped", 0),
            **fields,
        }
        stream.emit(
            {
                "type": "transcript_lag",
                "seconds_behind": round(values["seconds_behind"], 2),
                "dropped_finals": values["dropped_finals"],
                "pending_s": round(values["pending_s"], 2),
                "refine_dropped": values["refine_dropped"],
                "start": round(stream.session_time(), 3),
            }
        )

    def stats(self) -> dict[str, dict]:
        """Per stream: the live pass's counters and the refine pass's (pending, done, dropped)."""
        live = self._transcriber.stats() if self._transcriber else {}
        refine = self._refiner.stats() if self._refiner else {}
        return {sid: {**live.get(sid, {}), "refine": refine.get(sid, {})} for sid in self._streams}

    # -- feature contract ---------------------------------------------------------------------
    def start(self, stream, vocabulary: Any = None, **options: Any) -> TranscriptRun:
        if options:
            raise TypeError(f"start_transcript() got unexpected options: {', '.join(options)}")
        words = _vocabulary(vocabulary)
        self._ensure_loading(stream)
        self._prompts[stream.rtstream_id] = vocabulary_prompt(stream, words)
        self._streams[stream.rtstream_id] = stream
        return TranscriptRun(self, stream)

    def _release(self, rtstream_id: str, timeout: float | None = FLUSH_TIMEOUT_S) -> None:
        """Forget a stream after its last words were delivered and refined; idle → stop."""
        t = self._transcriber
        if t is not None:
            t.remove_stream(rtstream_id, timeout)
        r = self._refiner
        if r is not None:
            r.flush(rtstream_id, timeout)
            r.forget(rtstream_id)
        with self._lock:
            stream = self._streams.pop(rtstream_id, None)
            if stream is not None:
                self.speakers.forget(stream)
            self._prompts.pop(rtstream_id, None)
            for key in [k for k in self._utterances if k[0] == rtstream_id]:
                self._utterances.pop(key, None)
            if not self._streams:
                if self._transcriber is not None:
                    self._transcriber.close(FLUSH_TIMEOUT_S)
                    self._transcriber = None
                    self._loader_started = False
                if self._refiner is not None:
                    self._refiner.close(FLUSH_TIMEOUT_S)
                    self._refiner = None


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
            settings = self.stream.runtime.settings
            prompt = self.feature._prompts.get(self.stream.rtstream_id)
            t.add_stream(
                self.stream.rtstream_id,
                realtime=self.stream.realtime,
                prompt=prompt if settings.asr_live_vocabulary else None,
            )
            self.registered = True
        while t is not None and self.pending:
            old = self.pending.popleft()
            t.feed(self.stream.rtstream_id, old.samples, old.pts)
        self.pending_s = 0.0

    async def flush(self) -> None:
        """The session is stopping: transcribe and refine the last words, then release."""
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
