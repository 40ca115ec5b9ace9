"""Speakers within one audio channel: stable `speaker_id`s ("them-1", "them-2", …) from voice
embeddings clustered online (copilot.audio.voice_clusters), named when the meeting makes it
clear who is who.

Small interface for the transcript feature:

    speakers = Diarization()
    speakers.feed(stream, samples, pts)             # the channel's audio, as it arrives, or
    speaker_id = speakers.label(stream, text, start, end, audio=None)   # each final's own
    speakers.forget(stream)                         # the stream ended

`label` returns None on channels it does not diarise (the microphone: one voice, "me") and
when the embedding weights are not installed (logged once). Naming: when a final addresses a
participant by name ("Priya, can you take that?", "…, Marcus?") and the next final on the
diarised channel within a few seconds comes from a voice that has no name yet, that voice is
that participant from then on; a voice that later answers to another name goes back to its
"them-N" for good (two people the embeddings could not tell apart).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from copilot.audio.pitch import median_f0
from copilot.audio.voice_clusters import OnlineVoices, Voice

log = logging.getLogger("copilot.diarize")
RATE = 16000
BUFFER_S = 90.0  # audio kept per channel: finals arrive seconds after their speech
ANSWER_WITHIN_S = 8.0  # an addressed person answers within this long after being named
DIARISED = frozenset({"system_audio"})


class AudioRing:
    """The last `BUFFER_S` seconds of a channel, addressable by stream time."""

    def __init__(self, seconds: float = BUFFER_S) -> None:
        self._chunks: deque[tuple[float, np.ndarray]] = deque()
        self._seconds = seconds

    def feed(self, samples: np.ndarray, pts: float) -> None:
        mono = samples if samples.ndim == 1 else samples.mean(axis=1)
        self._chunks.append((pts, np.asarray(mono, np.float32)))
        while self._chunks and pts - self._chunks[0][0] > self._seconds:
            self._chunks.popleft()

    def cut(self, start: float, end: float) -> np.ndarray:
        parts = []
        for pts, chunk in self._chunks:
            lo = max(0, round((start - pts) * RATE))
            hi = min(len(chunk), round((end - pts) * RATE))
            if hi > lo:
                parts.append(chunk[lo:hi])
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def addressed(text: str, names: list[str]) -> str | None:
    """The participant a sentence speaks to by name: "Priya, …" (also after an earlier
    sentence), "…, Priya?", "thanks Priya"."""
    for name in names:
        n = re.escape(name)
        patterns = (
            rf"(?:^|[.!?]\s+)\W*(?:(?:hey|hi|so|ok|okay|and|well|right)\W+)?{n}\b\s*[,?!:]",
            rf",\s*{n}\s*[?.!]*\s*$",
            rf"\b(?:what about you|over to you|your turn|thanks|thank you),?\s+{n}\b",
        )
        if any(re.search(p, text, re.IGNORECASE) for p in patterns):
            return name
    return None


@dataclass
class SessionSpeakers:
    """One session's voices per diarised channel, and who was addressed by name when.

    Finals may be labelled out of time order (two channels, one ASR queue), so a name is
    matched by time: the first diarised final starting within `ANSWER_WITHIN_S` after the
    address is the answer, whichever of the two was labelled first."""

    participants: list[str]
    user_name: str | None = None
    channels: dict[str, tuple[AudioRing, OnlineVoices]] = field(default_factory=dict)
    calls: list[tuple[str, float]] = field(default_factory=list)  # (name, address end)
    said: deque = field(default_factory=lambda: deque(maxlen=50))  # (start, Voice) diarised
    lock: threading.Lock = field(default_factory=threading.Lock)

    def names(self) -> list[str]:
        me = (self.user_name or "").casefold()
        return [p for p in self.participants if p and p.casefold() != me]

    def channel(self, key: str) -> tuple[AudioRing, OnlineVoices]:
        if key not in self.channels:
            self.channels[key] = (AudioRing(), OnlineVoices())
        return self.channels[key]

    def heard(self, text: str, end: float) -> None:
        name = addressed(text, self.names())
        if name is not None:
            self.calls.append((name, end))
            self._match()

    def answered(self, voice: Voice, start: float) -> None:
        self.said.append((start, voice))
        self._match()

    def _match(self) -> None:
        for call in list(self.calls):
            name, when = call
            after = [(t, v) for t, v in self.said if -1.0 <= t - when <= ANSWER_WITHIN_S]
            if not after:
                newest = max((t for t, _ in self.said), default=when)
                if newest - when > ANSWER_WITHIN_S:  # nobody on these channels answered
                    self.calls.remove(call)
                continue
            self.calls.remove(call)
            voice = min(after, key=lambda tv: tv[0])[1]
            if voice.named and voice.label != name:
                # one "voice" answers to two names: it is two people the embeddings could not
                # tell apart, so no name is trustworthy for it any more
                voice.label, voice.named, voice.doubtful = voice.anonymous, False, True
                continue
            taken = any(v.label == name for _, vs in self.channels.values() for v in vs.voices)
            if not voice.named and not voice.doubtful and not taken:
                voice.anonymous, voice.label, voice.named = voice.label, name, True


class Diarization:
    """Speaker labels for the transcript feature's streams (thread-safe)."""

    def __init__(self, encoder: Any = None) -> None:
        self._encoder = encoder
        self._failed = False
        self._sessions: dict[str, SessionSpeakers] = {}
        self._lock = threading.Lock()

    def _session(self, stream) -> SessionSpeakers:
        with self._lock:
            found = self._sessions.get(stream.id)
            if found is None:
                meta = stream.metadata
                settings = stream.runtime.settings
                people = meta.get("participants") or getattr(settings, "meeting_participants", None)
                people = list(people or [])
                user = meta.get("user_name") or getattr(settings, "user_name", None)
                found = self._sessions[stream.id] = SessionSpeakers(people, user)
            return found

    def _embedder(self):
        if self._encoder is None and not self._failed:
            try:
                from copilot.audio.voice_embedding import shared_encoder

                self._encoder = shared_encoder()
            except Exception as exc:  # no weights: transcripts go on without speaker ids
                self._failed = True
                log.warning("speaker labels are off: %s", exc)
        return self._encoder

    def feed(self, stream, samples: np.ndarray, pts: float) -> None:
        if stream.category not in DIARISED:
            return
        session = self._session(stream)
        with session.lock:
            session.channel(stream.rtstream_id)[0].feed(samples, pts)

    def label(
        self, stream, text: str, start: float, end: float, audio: np.ndarray | None = None
    ) -> str | None:
        """The final's speaker id; its audio is `audio` when given, else cut from `feed`."""
        session = self._session(stream)
        if stream.category not in DIARISED:
            with session.lock:
                session.heard(text, end)
            return None
        encoder = self._embedder()
        if encoder is None:
            return None
        with session.lock:
            ring = session.channel(stream.rtstream_id)[0]
            wav = ring.cut(start, end) if audio is None else np.asarray(audio, np.float32)
        if len(wav) < RATE // 4:
            return None
        embedding = encoder.embed(wav)
        f0 = median_f0(wav)
        with session.lock:
            voice = session.channel(stream.rtstream_id)[1].assign(embedding, end - start, f0)
            session.answered(voice, start)
            session.heard(text, end)  # a voice on this channel may name the next one
            return voice.label

    def forget(self, stream) -> None:
        with self._lock:
            session = self._sessions.get(stream.id)
            if session is not None:
                session.channels.pop(stream.rtstream_id, None)
                if not session.channels:
                    self._sessions.pop(stream.id, None)
