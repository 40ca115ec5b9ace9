"""Split a 16 kHz mono stream into utterances with webrtcvad, with the events a streaming
transcriber needs to overlap its work with the end-of-utterance wait.

Per utterance the segmenter reports: ``SpeechStarted``; ``SpeechContinuing`` (audio so far,
every ``progress_ms``); ``SilenceBegan`` once ``tentative_ms`` of silence follow speech (a
tentative end: decode the final speculatively now); ``SpeechResumed`` if speech comes back
(drop that speculative result); ``UtteranceEnded`` after ``hangover_ms`` of silence (the audio is
exactly the one sent with ``SilenceBegan``, so its speculative decode can be used as is), after
``max_utterance_s``, or on ``flush()``.

Pre-roll keeps the frames before onset so the first word after silence is not clipped; the
hangover keeps short pauses inside one utterance. Times are seconds on the stream timeline.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class SpeechStarted:
    utterance: int
    start: float  # includes the pre-roll
    onset: float = 0.0  # when the VAD decided speech had started


@dataclass(frozen=True)
class SpeechContinuing:
    utterance: int
    start: float
    end: float
    audio: np.ndarray = field(repr=False)
    silence_s: float = 0.0  # unvoiced time at the end of ``audio`` (a pause may be starting)


@dataclass(frozen=True)
class SilenceBegan:
    utterance: int
    start: float
    end: float
    speech_end: float  # end of the last voiced frame
    audio: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class SpeechResumed:
    utterance: int
    at: float


@dataclass(frozen=True)
class UtteranceEnded:
    utterance: int
    start: float
    end: float
    speech_end: float
    audio: np.ndarray = field(repr=False)
    reason: str  # "silence" | "max_length" | "flush"


VadEvent = SpeechStarted | SpeechContinuing | SilenceBegan | SpeechResumed | UtteranceEnded

_IDLE, _SPEECH, _TENTATIVE = 0, 1, 2


class VadSegmenter:
    """Stateful webrtcvad segmenter; ``feed`` chunks of any length, ``flush`` at the end."""

    def __init__(
        self,
        *,
        aggressiveness: int = 2,
        frame_ms: int = 30,
        pre_roll_ms: int = 300,
        onset_frames: int = 3,
        onset_window: int = 5,
        resume_frames: int = 2,
        tentative_ms: int = 120,
        hangover_ms: int = 420,
        max_utterance_s: float = 20.0,
        progress_ms: int = 150,
    ) -> None:
        import webrtcvad  # lazy: from the webrtcvad-wheels package

        if frame_ms not in (10, 20, 30):
            raise ValueError("webrtcvad frames must be 10, 20 or 30 ms")
        if not 0 <= aggressiveness <= 3:
            raise ValueError("aggressiveness must be 0..3")
        if hangover_ms < tentative_ms:
            raise ValueError("hangover_ms must be >= tentative_ms")
        self._vad = webrtcvad.Vad(aggressiveness)
        self.frame_samples = SAMPLE_RATE * frame_ms // 1000
        self.frame_s = frame_ms / 1000
        self._pre_roll: deque[np.ndarray] = deque(maxlen=max(1, pre_roll_ms // frame_ms))
        self._onset: deque[bool] = deque(maxlen=onset_window)
        self._onset_frames = onset_frames
        self._resume_frames = resume_frames
        self._tentative_frames = max(1, tentative_ms // frame_ms)
        self._hangover_frames = max(1, hangover_ms // frame_ms)
        self._max_frames = int(max_utterance_s / self.frame_s)
        self._progress_frames = max(1, progress_ms // frame_ms)
        self._rest = np.zeros(0, np.float32)
        self._t0: float | None = None
        self._frames_seen = 0
        self._state = _IDLE
        self._utt = -1
        self._buf: list[np.ndarray] = []
        self._start = 0.0
        self._speech_end = 0.0
        self._silence_run = 0
        self._voiced_run = 0
        self._tentative_len = 0
        self._tentative_end = 0.0

    # -- public -------------------------------------------------------------------------------
    @property
    def in_speech(self) -> bool:
        return self._state != _IDLE

    def feed(self, samples: np.ndarray, pts: float | None = None) -> list[VadEvent]:
        """Feed 16 kHz mono float32 samples; ``pts`` (seconds) anchors the timeline."""
        if self._t0 is None:
            self._t0 = float(pts) if pts is not None else 0.0
        elif pts is not None:
            expected = self._t0 + (self._frames_seen * self.frame_samples + self._rest.size) / 16e3
            if abs(pts - expected) > 0.5:  # the source skipped or jumped: follow its clock
                self._t0 += pts - expected
        data = np.concatenate([self._rest, np.asarray(samples, np.float32).reshape(-1)])
        n = data.size // self.frame_samples
        events: list[VadEvent] = []
        for i in range(n):
            self._step(data[i * self.frame_samples : (i + 1) * self.frame_samples], events)
        self._rest = data[n * self.frame_samples :].copy()
        return events

    def flush(self) -> list[VadEvent]:
        """End the stream: emit the open utterance (if any) so trailing speech is not lost."""
        events: list[VadEvent] = []
        if self._rest.size and self._state != _IDLE:
            pad = np.zeros(self.frame_samples, np.float32)
            pad[: self._rest.size] = self._rest
            self._buf.append(pad)
            self._frames_seen += 1
        self._rest = np.zeros(0, np.float32)
        if self._state == _SPEECH:
            self._end_utterance("flush", events, len(self._buf), self._now())
        elif self._state == _TENTATIVE:
            self._end_utterance("flush", events, self._tentative_len, self._tentative_end)
        return events

    # -- internals ----------------------------------------------------------------------------
    def _now(self) -> float:
        return (self._t0 or 0.0) + self._frames_seen * self.frame_s

    def _is_speech(self, frame: np.ndarray) -> bool:
        pcm = (np.clip(frame, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return self._vad.is_speech(pcm, SAMPLE_RATE)

    def _step(self, frame: np.ndarray, events: list[VadEvent]) -> None:
        voiced = self._is_speech(frame)
        self._frames_seen += 1
        now = self._now()
        if self._state == _IDLE:
            self._pre_roll.append(frame)
            self._onset.append(voiced)
            if sum(self._onset) >= self._onset_frames:
                self._utt += 1
                self._buf = list(self._pre_roll)
                self._start = now - len(self._buf) * self.frame_s
                self._speech_end = now
                self._silence_run = 0
                self._state = _SPEECH
                self._pre_roll.clear()
                self._onset.clear()
                events.append(SpeechStarted(self._utt, self._start, now))
            return
        self._buf.append(frame)
        if self._state == _SPEECH:
            if voiced:
                self._speech_end = now
                self._silence_run = 0
            else:
                self._silence_run += 1
            if self._silence_run >= self._tentative_frames:
                self._state = _TENTATIVE
                self._tentative_len = len(self._buf)
                self._tentative_end = now
                self._voiced_run = 0
                events.append(
                    SilenceBegan(self._utt, self._start, now, self._speech_end, self._audio())
                )
            elif len(self._buf) >= self._max_frames:
                self._end_utterance("max_length", events, len(self._buf), now)
                self._begin_continuation(now, events)
            elif len(self._buf) % self._progress_frames == 0:
                silence = self._silence_run * self.frame_s
                events.append(SpeechContinuing(self._utt, self._start, now, self._audio(), silence))
            return
        # _TENTATIVE: silence began; wait for the hangover or for speech to come back
        if voiced:
            self._voiced_run += 1
            if self._voiced_run >= self._resume_frames:
                self._state = _SPEECH
                self._speech_end = now
                self._silence_run = 0
                events.append(SpeechResumed(self._utt, now))
            return
        self._voiced_run = 0
        self._silence_run += 1
        if self._silence_run >= self._hangover_frames:
            tail = self._buf[self._tentative_len :]
            self._end_utterance("silence", events, self._tentative_len, self._tentative_end)
            self._pre_roll.extend(tail)
        elif len(self._buf) >= self._max_frames:
            self._end_utterance("max_length", events, self._tentative_len, self._tentative_end)

    def _audio(self, n: int | None = None) -> np.ndarray:
        frames = self._buf if n is None else self._buf[:n]
        return np.concatenate(frames) if frames else np.zeros(0, np.float32)

    def _end_utterance(self, reason: str, events: list[VadEvent], n: int, end: float) -> None:
        speech_end = min(self._speech_end, end)
        events.append(
            UtteranceEnded(self._utt, self._start, end, speech_end, self._audio(n), reason)
        )
        self._state = _IDLE
        self._buf = []
        self._pre_roll.clear()
        self._onset.clear()

    def _begin_continuation(self, now: float, events: list[VadEvent]) -> None:
        """After a forced cut at max length, speech goes on in a new utterance at once."""
        self._utt += 1
        self._buf = []
        self._start = now
        self._speech_end = now
        self._silence_run = 0
        self._state = _SPEECH
        events.append(SpeechStarted(self._utt, self._start, now))
