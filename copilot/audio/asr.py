"""Speech-to-text behind a small interface, with a faster-whisper implementation.

``FasterWhisperEngine`` encodes only as much audio context as an utterance needs (rounded up to
``bucket_s``, plus padding) instead of Whisper's fixed 30 s window: CTranslate2 accepts shorter
inputs, and for a 5 s utterance this cuts the encoder from ~0.4 s to ~0.05 s on 2 CPU threads —
the bulk of a final's latency. Audio over ~28 s goes through faster-whisper's regular path.

Loops (:mod:`copilot.audio.loops`): a decode that hits its token cap without an end token,
compresses too well (ratio above ``GuardSettings.loop_compression_ratio``) or repeats a word
or phrase past what people say is decoded again over the full 30 s window, greedy, at
temperature 0, without a prompt (measured: this fixes tiny.en's "41, 41, …" on a card number
read digit by digit and base's sentence decoded twice; a repetition penalty, no-repeat n-grams
and temperature fallback lost digits or were random). If that loops too, the repeats are cut.

Vocabulary: ``prompt`` (names and terms, e.g. "Mei, Priya") goes before the decode as
Whisper's previous-text prompt, as faster-whisper's ``hotwords`` does.

Hallucination guard (Whisper likes "Thank you." on silence): decode with
``condition_on_previous_text`` off and temperature 0, then drop results that look like
non-speech (no_speech_prob/avg_logprob), loops left after all that (compression ratio), or a
known filler phrase when the audio is weak.
"""

from __future__ import annotations

import os
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from copilot.audio.loops import find_loop, too_fast, trim_loops
from copilot.audio.models import import_faster_whisper, resolve_model

SAMPLE_RATE = 16000
_HOP = 160  # samples per mel frame
_MAX_FRAMES = 3000  # Whisper's 30 s window
_MAX_PROMPT = 223  # prompt tokens at most (Whisper's context is 448: half for the prompt)

# Phrases Whisper emits on non-speech; dropped only when the audio itself is weak.
KNOWN_HALLUCINATIONS = frozenset(
    {
        "thank you",
        "thank you very much",
        "thanks for watching",
        "thank you for watching",
        "thanks for listening",
        "please subscribe",
        "you",
        "bye",
        "okay",
        "so",
        "oh",
        "hmm",
        "um",
        "uh",
    }
)


@dataclass(frozen=True)
class AsrSegment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class AsrResult:
    """One decode. ``text`` is "" when nothing was said (or the guard dropped it: ``rejected``)."""

    text: str
    segments: tuple[AsrSegment, ...] = ()
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    compression_ratio: float = 0.0
    duration: float = 0.0
    decode_s: float = 0.0
    partial: bool = False
    rejected: str | None = None
    raw_text: str = field(default="", repr=False)
    retried: str | None = None  # why the first decode was redone ("token_cap", "repeats", …)


class AsrEngine(Protocol):
    """What the streaming transcriber needs from an ASR engine (16 kHz mono float32 in)."""

    def transcribe(
        self, audio: np.ndarray, *, partial: bool, prompt: str | None = None
    ) -> AsrResult: ...


@dataclass(frozen=True)
class _Decoded:
    text: str
    segments: list[AsrSegment]
    no_speech_prob: float
    avg_logprob: float
    capped: bool = False  # stopped at the token cap, not at an end token

    @property
    def compression_ratio(self) -> float:
        return compression_ratio(self.text)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z' ]+", " ", text.lower()).strip()


def rms_dbfs(audio: np.ndarray) -> float:
    if audio.size == 0:
        return -120.0
    return float(20 * np.log10(np.sqrt(np.mean(np.square(audio, dtype=np.float64))) + 1e-12))


@dataclass(frozen=True)
class GuardSettings:
    """Thresholds of the hallucination guard.

    Measured with tiny.en on this repo's audio: pink noise and near-silence decode with
    no_speech_prob >= 0.89 and either avg_logprob <= -1.4 or punctuation-only/looping text;
    espeak and real speech (jfk.flac) give no_speech_prob <= 0.36 and avg_logprob >= -0.65.
    Known filler phrases ("Thank you.") are dropped only when the audio is weak by these
    measures, so a clearly spoken "Thank you." is kept.
    """

    no_speech_threshold: float = 0.6
    strong_no_speech: float = 0.9
    logprob_threshold: float = -1.0
    hard_logprob_threshold: float = -1.5
    compression_ratio_threshold: float = 2.4
    loop_compression_ratio: float = 1.8
    weak_no_speech: float = 0.6
    weak_logprob: float = -1.0
    weak_dbfs: float = -45.0


def _trimmed(d: _Decoded, duration: float) -> _Decoded:
    text = trim_loops(d.text)
    return _Decoded(text, [AsrSegment(0.0, duration, text)], d.no_speech_prob, d.avg_logprob)


class FasterWhisperEngine:
    """faster-whisper on CPU (int8 by default), model found locally only, warmed at start.

    Thread-safety: ``transcribe`` may be called from any one thread at a time (a lock
    serialises calls); the streaming transcriber calls it from its single worker thread.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        cpu_threads: int = 2,
        compute_type: str = "int8",
        language: str | None = "en",
        cache_dir: str | os.PathLike | None = None,
        device: str = "cpu",
        beam_size: int = 1,
        dynamic_context: bool = True,
        bucket_s: float = 2.0,
        context_pad_s: float = 3.0,
        guard: GuardSettings | None = None,
        timestamps: bool = False,
        loop_retry: bool = True,
        warm: bool = True,
    ) -> None:
        import_faster_whisper()  # lazy (heavy), and safe from two threads at once
        from faster_whisper import WhisperModel

        self.model_path = resolve_model(model, cache_dir)
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        self.timestamps = timestamps
        self.loop_retry = loop_retry
        self.retries = 0  # decodes redone because the first one looped
        self.dynamic_context = dynamic_context
        self.bucket_frames = max(100, int(bucket_s * SAMPLE_RATE / _HOP))
        self.context_pad = int(context_pad_s * SAMPLE_RATE)
        self.guard = guard or GuardSettings()
        self._model = WhisperModel(
            self.model_path,
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            num_workers=1,
        )
        self.multilingual = self._model.model.is_multilingual
        self.language = language if self.multilingual else "en"
        self._lock = threading.Lock()
        self._suppress: list[int] | None = None
        if warm:
            self.warm()

    # -- public -------------------------------------------------------------------------------
    def warm(self) -> None:
        """Run tiny decodes so the first real utterance does not pay one-time setup costs."""
        rng = np.random.default_rng(0)
        for seconds in (1.0, 3.0):
            noise = (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 0.01).astype(np.float32)
            self.transcribe(noise, partial=True)

    def transcribe(
        self, audio: np.ndarray, *, partial: bool, prompt: str | None = None
    ) -> AsrResult:
        """Decode 16 kHz mono float32; ``partial`` decodes greedily (temperature 0);
        ``prompt`` biases towards names and terms."""
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        t0 = time.perf_counter()
        with self._lock:
            if audio.size < SAMPLE_RATE // 10:
                return AsrResult("", duration=audio.size / SAMPLE_RATE, partial=partial)
            beam = 1 if partial else self.beam_size
            long = audio.size + self.context_pad > _MAX_FRAMES * _HOP - _HOP
            if long or not self.dynamic_context:
                d = self._long(audio, beam, temperature=0.0 if partial else [0.0, 0.2, 0.4])
            else:
                d = self._short(audio, beam, prompt, timestamps=self.timestamps)
            seconds = audio.size / SAMPLE_RATE
            retried = self._loop_reason(d, seconds) if self.loop_retry else None
            if retried:
                self.retries += 1
                if not long:
                    d = self._short(audio, 1, None, full_window=True, timestamps=True)
                if self._loop_reason(d, seconds):
                    d = _trimmed(d, audio.size / SAMPLE_RATE)
        cr = d.compression_ratio
        text, reason = self._check(d.text, d.no_speech_prob, d.avg_logprob, cr, audio)
        return AsrResult(
            text=text,
            segments=tuple(d.segments) if text else (),
            no_speech_prob=d.no_speech_prob,
            avg_logprob=d.avg_logprob,
            compression_ratio=cr,
            duration=audio.size / SAMPLE_RATE,
            decode_s=time.perf_counter() - t0,
            partial=partial,
            rejected=reason,
            raw_text=d.text,
            retried=retried,
        )

    def _loop_reason(self, d: _Decoded, seconds: float) -> str | None:
        if not d.text:
            return None
        if d.capped:
            return "token_cap"
        if d.compression_ratio > self.guard.loop_compression_ratio:
            return "compression"
        loop = find_loop(d.text)
        if loop is not None and (loop[1] == 1 or too_fast(d.text, seconds)):
            return "repeats"
        return None

    # -- decoding -----------------------------------------------------------------------------
    def _tokenizer(self, language: str):
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(
            self._model.hf_tokenizer, self.multilingual, task="transcribe", language=language
        )

    def _short(
        self,
        audio: np.ndarray,
        beam: int,
        prompt: str | None,
        *,
        full_window: bool = False,
        timestamps: bool = False,
    ) -> _Decoded:
        """One window whose length follows the audio (dynamic encoder context), or Whisper's
        full 30 s window."""
        import ctranslate2
        from faster_whisper.transcribe import get_suppressed_tokens

        need = (audio.size + self.context_pad) // _HOP
        frames = min(_MAX_FRAMES, -(-need // self.bucket_frames) * self.bucket_frames)
        if full_window:
            frames = _MAX_FRAMES
        padded = np.zeros(frames * _HOP, np.float32)
        padded[: audio.size] = audio
        feats = self._model.feature_extractor(padded, padding=0)[:, :frames]
        feats = np.ascontiguousarray(feats[None], dtype=np.float32)
        enc = self._model.model.encode(ctranslate2.StorageView.from_array(feats), to_cpu=False)
        language = self.language
        if language is None:
            lang = self._model.model.detect_language(enc)[0][0][0]
            language = lang[2:-2]
        tok = self._tokenizer(language)
        if self._suppress is None:
            self._suppress = list(get_suppressed_tokens(tok, [-1]))
        context = []
        if prompt and prompt.strip():
            context = [tok.sot_prev, *tok.encode(" " + prompt.strip())[:_MAX_PROMPT]]
        sequence = [*context, *tok.sot_sequence]
        if not timestamps:
            sequence.append(tok.no_timestamps)
        max_new = int(min(220, 16 + 7 * audio.size / SAMPLE_RATE))
        result = self._model.model.generate(
            enc,
            [sequence],
            beam_size=beam,
            max_length=len(sequence) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            no_repeat_ngram_size=0,
        )[0]
        ids = result.sequences_ids[0]
        tokens = [t for t in ids if t < tok.eot]
        seq_len = len(tokens)
        avg_logprob = result.scores[0] * seq_len / (seq_len + 1)  # length_penalty 1
        text = tok.decode(tokens).strip()
        dur = audio.size / SAMPLE_RATE
        segs = [AsrSegment(0.0, dur, text)] if text else []
        return _Decoded(
            text, segs, float(result.no_speech_prob), float(avg_logprob), len(ids) >= max_new
        )

    def _long(self, audio: np.ndarray, beam: int, temperature) -> _Decoded:
        """Regular faster-whisper path for audio longer than one window."""
        seg_iter, _info = self._model.transcribe(
            audio,
            language=self.language,
            beam_size=beam,
            temperature=temperature,
            condition_on_previous_text=False,
            without_timestamps=False,
            vad_filter=False,
        )
        segs = list(seg_iter)
        text = " ".join(s.text.strip() for s in segs).strip()
        if not segs:
            return _Decoded("", [], 1.0, 0.0)
        nsp = float(min(s.no_speech_prob for s in segs))
        lp = float(np.mean([s.avg_logprob for s in segs]))
        out = [AsrSegment(float(s.start), float(s.end), s.text.strip()) for s in segs]
        return _Decoded(text, out, nsp, lp)

    # -- guard --------------------------------------------------------------------------------
    def _check(
        self, text: str, nsp: float, lp: float, cr: float, audio: np.ndarray
    ) -> tuple[str, str | None]:
        g = self.guard
        if not text:
            return "", None
        if nsp > g.strong_no_speech or (nsp > g.no_speech_threshold and lp < g.logprob_threshold):
            return "", "no_speech"
        if lp < g.hard_logprob_threshold:
            return "", "low_logprob"
        if cr > g.compression_ratio_threshold:
            return "", "repetition"
        norm = _normalise(text)
        if not norm:
            return "", "no_words"
        weak = nsp > g.weak_no_speech or lp < g.weak_logprob or rms_dbfs(audio) < g.weak_dbfs
        if weak and norm in KNOWN_HALLUCINATIONS:
            return "", "known_phrase"
        return text, None
