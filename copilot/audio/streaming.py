"""Many audio streams → one ASR worker thread → partial and final transcripts, with low latency.

Threading: ``feed`` only runs the stream's VAD and some bookkeeping under a short lock: it is
cheap and never waits for a decode. Feed (and flush) any one stream from one thread at a time;
different streams may come from different threads. ``flush``/``remove_stream``/``close`` wait
on purpose for the last finals (call them off the event loop, e.g. ``run_in_executor``). One
worker thread (``thread_name``) decodes and calls ``on_result`` and ``on_lag``; callbacks must
be quick (hand over with ``loop.call_soon_threadsafe``); an exception in one is logged.

Latency: when the VAD reports a tentative end (``SilenceBegan``) the final is decoded at once,
speculatively, while the hangover runs; if speech resumes the result is thrown away, otherwise
it is the final. Finals (speculative ones included) always go before partials; a stream keeps
only its newest pending partial and asks for one ``first_partial_s`` after speech onset, then at
most every ``partial_interval_s`` of its audio, so under load partials thin out instead of
delaying finals; no partial starts while a pause is beginning. Streams are served round-robin.
A stream whose pending finals exceed ``max_backlog_s`` of audio drops its oldest pending final
and reports it through ``on_lag`` at once (memory stays bounded); a stream more than
``lag_threshold_s`` behind is reported at most once a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from copilot.audio.asr import AsrEngine, AsrResult
from copilot.audio.vad import (
    SilenceBegan,
    SpeechContinuing,
    SpeechResumed,
    SpeechStarted,
    UtteranceEnded,
    VadEvent,
    VadSegmenter,
)

log = logging.getLogger(__name__)

_PENDING, _RUNNING, _DONE = 0, 1, 2


@dataclass(frozen=True)
class TranscriptResult:
    """One partial or final transcript of an utterance; times in seconds on the stream timeline."""

    stream_id: str
    text: str
    is_final: bool
    start: float
    end: float
    utterance: int
    speech_end: float  # end of the last voiced frame (finals); audio end for partials
    decode_s: float
    speculative: bool = False  # a final whose decode started at the tentative end
    asr: AsrResult | None = field(default=None, repr=False, compare=False)
    audio: np.ndarray | None = field(default=None, repr=False, compare=False)  # finals: the audio


@dataclass(frozen=True)
class LagReport:
    stream_id: str
    seconds_behind: float
    dropped_finals: int  # total finals dropped on this stream so far
    pending_s: float


@dataclass(eq=False)
class _Job:
    stream: _Stream
    kind: str  # "partial" | "final" | "spec"
    utterance: int
    start: float
    end: float
    speech_end: float
    audio: np.ndarray
    state: int = _PENDING
    confirmed: bool = False
    cancelled: bool = False
    result: AsrResult | None = None


@dataclass(eq=False)
class _Stream:
    stream_id: str
    vad: VadSegmenter
    realtime: bool = True  # False: a replay faster than real time — never drop, never "lag"
    prompt: str | None = None  # vocabulary for this stream's decodes
    finals: deque[_Job] = field(default_factory=deque)
    partial: _Job | None = None
    spec: dict[int, _Job] = field(default_factory=dict)
    owed: int = 0  # finals announced by the VAD and not yet delivered or dropped
    closed_utt: int = -1  # highest utterance whose end the VAD reported
    last_partial_end: float = float("-inf")
    fed_until: float = 0.0
    dropped_finals: int = 0
    superseded_partials: int = 0
    lag_due: bool = False
    last_lag_report: float = 0.0
    reported_drops: int = 0


class StreamingTranscriber:
    """VAD per stream in the caller's thread, one shared ASR worker thread, callbacks from it."""

    def __init__(
        self,
        engine: AsrEngine,
        on_result: Callable[[TranscriptResult], None],
        *,
        on_lag: Callable[[LagReport], None] | None = None,
        vad_options: dict | None = None,
        partials: bool = True,
        partial_interval_s: float = 1.0,
        first_partial_s: float = 0.5,
        max_backlog_s: float = 60.0,
        lag_threshold_s: float = 5.0,
        thread_name: str = "copilot-asr",
    ) -> None:
        self._engine = engine
        self._on_result = on_result
        self._on_lag = on_lag
        self._vad_options = dict(vad_options or {})
        self._partials = partials
        self._partial_interval = partial_interval_s
        self._first_partial = first_partial_s
        self._max_backlog = max_backlog_s
        self._lag_threshold = lag_threshold_s
        self._streams: dict[str, _Stream] = {}
        self._order: list[str] = []
        self._rr_final = 0
        self._rr_partial = 0
        self._deliveries: deque[_Job] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._thread.start()

    # -- caller thread ------------------------------------------------------------------------
    def add_stream(
        self, stream_id: str, *, realtime: bool = True, prompt: str | None = None, **vad_options
    ) -> None:
        """Register a stream (optional: ``feed`` creates one with the default VAD options).

        ``realtime=False`` is for audio fed faster than real time (a file replayed as fast as
        possible): its backlog is the file itself, so nothing is dropped and no lag reported.
        ``prompt`` (names, terms) biases this stream's decodes.
        """
        with self._cond:
            st = self._ensure(stream_id, vad_options)
            st.realtime = realtime
            st.prompt = prompt

    def feed(self, stream_id: str, samples: np.ndarray, pts: float | None = None) -> None:
        """Give 16 kHz mono float32 samples starting at ``pts`` seconds; cheap, never blocks."""
        if self._closed:
            raise RuntimeError("StreamingTranscriber is closed")
        with self._cond:
            st = self._ensure(stream_id, None)
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        events = st.vad.feed(samples, pts)  # VAD outside the lock: only this thread touches it
        with self._cond:
            st.fed_until = (pts if pts is not None else st.fed_until) + samples.size / 16000
            if events:
                self._apply(st, events)
                self._cond.notify_all()

    def flush(self, stream_id: str, timeout: float | None = None) -> bool:
        """End of a stream's audio: transcribe its last words and wait until delivered.

        Returns False if ``timeout`` (seconds) ran out first. The stream can be fed again after.
        """
        with self._cond:
            st = self._streams.get(stream_id)
        if st is None:
            return True
        events = st.vad.flush()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._apply(st, events)
            self._cond.notify_all()
            while st.owed > 0 and self._thread.is_alive():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return st.owed == 0

    def remove_stream(self, stream_id: str, timeout: float | None = None) -> bool:
        """Flush a stream, then forget it."""
        ok = self.flush(stream_id, timeout)
        with self._cond:
            st = self._streams.pop(stream_id, None)
            if st is not None:
                self._order.remove(stream_id)
        return ok

    def close(self, timeout: float | None = None) -> bool:
        """Flush every stream (last words are transcribed), then stop the worker thread."""
        if self._closed:
            return True
        ok = all([self.flush(sid, timeout) for sid in list(self._streams)])
        self._closed = True
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return ok and not self._thread.is_alive()

    def stats(self) -> dict[str, dict]:
        """Per-stream counters (pending work, drops) for status displays and tests."""
        with self._cond:
            return {
                sid: {
                    "pending_finals": len(st.finals),
                    "pending_s": self._pending_s(st),
                    "owed_finals": st.owed,
                    "dropped_finals": st.dropped_finals,
                    "superseded_partials": st.superseded_partials,
                    "seconds_behind": self._behind(st),
                }
                for sid, st in self._streams.items()
            }

    # -- VAD events → jobs (lock held) --------------------------------------------------------
    def _ensure(self, stream_id: str, vad_options: dict | None) -> _Stream:
        st = self._streams.get(stream_id)
        if st is None:
            opts = {**self._vad_options, **(vad_options or {})}
            st = _Stream(stream_id, VadSegmenter(**opts))
            self._streams[stream_id] = st
            self._order.append(stream_id)
        return st

    def _apply(self, st: _Stream, events: list[VadEvent]) -> None:
        for ev in events:
            if isinstance(ev, SpeechContinuing):
                self._want_partial(st, ev)
            elif isinstance(ev, SilenceBegan):
                self._drop_partial(st)
                job = _Job(st, "spec", ev.utterance, ev.start, ev.end, ev.speech_end, ev.audio)
                st.spec[ev.utterance] = job
                st.finals.append(job)
            elif isinstance(ev, SpeechResumed):
                self._cancel_spec(st, ev.utterance)
            elif isinstance(ev, UtteranceEnded):
                self._end(st, ev)
            elif isinstance(ev, SpeechStarted):  # first partial ``first_partial_s`` after onset
                st.last_partial_end = ev.onset + self._first_partial - self._partial_interval
        self._bound(st)

    def _want_partial(self, st: _Stream, ev: SpeechContinuing) -> None:
        if not self._partials or ev.end - st.last_partial_end < self._partial_interval:
            return
        if ev.silence_s >= 0.06:  # a pause may be the end: keep the worker free for the final
            return
        if st.partial is not None and st.partial.state == _PENDING:
            st.superseded_partials += 1
        job = _Job(st, "partial", ev.utterance, ev.start, ev.end, ev.end, ev.audio)
        st.partial = job
        st.last_partial_end = ev.end

    def _drop_partial(self, st: _Stream) -> None:
        if st.partial is not None and st.partial.state == _PENDING:
            st.partial = None

    def _cancel_spec(self, st: _Stream, utt: int) -> None:
        job = st.spec.pop(utt, None)
        if job is not None:
            self._cancel_spec_job(st, job)

    def _end(self, st: _Stream, ev: UtteranceEnded) -> None:
        st.owed += 1
        st.closed_utt = max(st.closed_utt, ev.utterance)
        self._drop_partial(st)
        spec = st.spec.pop(ev.utterance, None)
        if spec is not None and not spec.cancelled and spec.audio.size == ev.audio.size:
            spec.confirmed = True
            if spec.state == _DONE:
                self._deliveries.append(spec)
            return
        if spec is not None:
            self._cancel_spec_job(st, spec)
        st.finals.append(
            _Job(
                st, "final", ev.utterance, ev.start, ev.end, ev.speech_end, ev.audio, confirmed=True
            )
        )

    def _cancel_spec_job(self, st: _Stream, job: _Job) -> None:
        job.cancelled = True
        if job.state != _RUNNING and job in st.finals:
            st.finals.remove(job)  # a running one is removed when its decode returns

    def _pending_s(self, st: _Stream) -> float:
        return sum(j.audio.size for j in st.finals if j.state == _PENDING) / 16000

    def _behind(self, st: _Stream) -> float:
        oldest = next((j for j in st.finals if j.confirmed), None)
        return max(0.0, st.fed_until - oldest.speech_end) if oldest else 0.0

    def _bound(self, st: _Stream) -> None:
        """Keep memory bounded: drop the oldest pending confirmed finals past the backlog cap."""
        if not st.realtime:
            return
        while self._pending_s(st) > self._max_backlog:
            victim = next((j for j in st.finals if j.state == _PENDING), None)
            if victim is None:
                break
            st.finals.remove(victim)
            if victim.confirmed:
                st.owed -= 1
                st.dropped_finals += 1
            else:
                victim.cancelled = True
                st.spec.pop(victim.utterance, None)
            st.lag_due = True
        if self._behind(st) > self._lag_threshold:
            st.lag_due = True

    # -- worker thread ------------------------------------------------------------------------
    def _pick(self, kind: str) -> _Job | None:
        n = len(self._order)
        rr = self._rr_final if kind == "final" else self._rr_partial
        for i in range(n):
            idx = (rr + i) % n
            st = self._streams[self._order[idx]]
            job = (
                next((j for j in st.finals if j.state == _PENDING), None)
                if kind == "final"
                else (st.partial if st.partial and st.partial.state == _PENDING else None)
            )
            if job is None:
                continue
            if kind == "final":
                self._rr_final = idx + 1
            else:
                self._rr_partial = idx + 1
                st.partial = None
            job.state = _RUNNING
            return job
        return None

    def _next(self) -> tuple[str, object] | None:
        """Wait for work: deliveries, then lag reports, then finals, then partials."""
        with self._cond:
            while True:
                if self._deliveries:
                    return "deliver", self._deliveries.popleft()
                lag = self._lag_reports()
                if lag:
                    return "lag", lag
                job = self._pick("final") or self._pick("partial")
                if job is not None:
                    return "decode", job
                if self._stopping:
                    return None
                self._cond.wait()

    def _lag_reports(self) -> list[LagReport]:
        now = time.monotonic()
        out = []
        for st in self._streams.values():
            new_drops = st.dropped_finals > st.reported_drops
            if st.lag_due and (new_drops or now - st.last_lag_report >= 1.0):
                st.lag_due = False
                st.reported_drops = st.dropped_finals
                st.last_lag_report = now
                out.append(
                    LagReport(
                        st.stream_id, self._behind(st), st.dropped_finals, self._pending_s(st)
                    )
                )
        return out

    def _run(self) -> None:
        while True:
            item = self._next()
            if item is None:
                return
            what, payload = item
            if what == "lag":
                for report in payload:
                    self._call(self._on_lag, report)
            elif what == "deliver":
                self._deliver_final(payload)
            else:
                self._decode(payload)

    def _decode(self, job: _Job) -> None:
        try:
            res = self._engine.transcribe(
                job.audio, partial=job.kind == "partial", prompt=job.stream.prompt
            )
        except Exception:
            log.exception("ASR failed on %s utterance %d", job.stream.stream_id, job.utterance)
            res = AsrResult("", rejected="error")
        with self._cond:
            job.state = _DONE
            job.result = res
            st = job.stream
            if job.kind == "partial":
                ok = not job.cancelled and st.closed_utt < job.utterance and bool(res.text)
                deliver_partial, deliver_final = ok, False
            else:
                deliver_partial = False
                deliver_final = job.confirmed and not job.cancelled
                if job.cancelled:
                    job.audio = np.zeros(0, np.float32)
            if job in st.finals and (job.kind == "final" or job.cancelled or deliver_final):
                st.finals.remove(job)
        if deliver_partial:
            self._call(self._on_result, self._result(job, is_final=False))
        elif deliver_final:
            self._deliver_final(job)

    def _deliver_final(self, job: _Job) -> None:
        st = job.stream
        with self._cond:
            if job in st.finals:
                st.finals.remove(job)
        try:
            if job.result is not None and job.result.text:
                self._call(self._on_result, self._result(job, is_final=True))
        finally:
            with self._cond:
                st.owed -= 1
                job.audio = np.zeros(0, np.float32)
                self._cond.notify_all()

    def _result(self, job: _Job, *, is_final: bool) -> TranscriptResult:
        res = job.result
        assert res is not None
        return TranscriptResult(
            stream_id=job.stream.stream_id,
            text=res.text,
            is_final=is_final,
            start=job.start,
            end=job.end,
            utterance=job.utterance,
            speech_end=job.speech_end,
            decode_s=res.decode_s,
            speculative=job.kind == "spec",
            asr=res,
            audio=job.audio if is_final else None,
        )

    @staticmethod
    def _call(cb: Callable | None, arg: object) -> None:
        if cb is None:
            return
        try:
            cb(arg)
        except Exception:
            log.exception("transcript callback failed")
