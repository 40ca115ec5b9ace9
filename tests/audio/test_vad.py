"""VadSegmenter on real espeak speech: pre-roll, hangover, max length, flush, timeline."""

from __future__ import annotations

import numpy as np
import pytest

from copilot.audio.vad import (
    SilenceBegan,
    SpeechContinuing,
    SpeechResumed,
    SpeechStarted,
    UtteranceEnded,
    VadSegmenter,
)
from tests.audio.conftest import SR, silence


def _run(seg: VadSegmenter, audio: np.ndarray, chunk: int = 333, pts0: float = 0.0):
    events = []
    for i in range(0, audio.size, chunk):
        events += seg.feed(audio[i : i + chunk], pts0 + i / SR)
    return events


def _ended(events):
    return [e for e in events if isinstance(e, UtteranceEnded)]


def test_silence_gives_nothing():
    assert _run(VadSegmenter(), silence(5.0)) + VadSegmenter().flush() == []


def test_preroll_hangover_and_timeline(speak):
    s1 = speak("Budget review starts now.")
    s2 = speak("Thanks everyone.")
    audio = np.concatenate([silence(1.0), s1, silence(0.25), s1, silence(1.5), s2, silence(1.0)])
    events = _run(VadSegmenter(), audio, pts0=10.0)
    ended = _ended(events)
    assert len(ended) == 2, "a 250 ms pause must not split an utterance (hangover)"
    first = ended[0]
    assert first.start <= 10.0 + 1.0 - 0.1, "pre-roll keeps audio before the onset"
    assert abs(first.speech_end - (11.0 + 2 * s1.size / SR + 0.25)) < 0.15
    assert first.audio.size == round((first.end - first.start) * SR)
    second = ended[1]
    assert second.start < 10.0 + 1.0 + (2 * s1.size) / SR + 0.25 + 1.5
    kinds = [type(e) for e in events]
    assert kinds[0] is SpeechStarted and SpeechContinuing in kinds
    # a SilenceBegan precedes each end, and its audio is exactly the final audio
    sb = [e for e in events if isinstance(e, SilenceBegan) and e.utterance == 0][-1]
    assert sb.audio.size == first.audio.size and sb.end == first.end


def test_resume_after_tentative_end(speak):
    s = speak("One two three four.")
    audio = np.concatenate([silence(0.5), s, silence(0.3), s, silence(1.0)])
    events = _run(VadSegmenter(tentative_ms=120, hangover_ms=420), audio)
    assert any(isinstance(e, SilenceBegan) for e in events)
    assert any(isinstance(e, SpeechResumed) for e in events)
    assert len(_ended(events)) == 1


def test_flush_emits_trailing_speech(speak):
    s = speak("These are the last words before stop")
    seg = VadSegmenter()
    events = _run(seg, np.concatenate([silence(0.5), s]))
    assert not _ended(events)
    ended = _ended(seg.flush())
    assert len(ended) == 1 and ended[0].reason == "flush"
    assert ended[0].audio.size >= s.size


def test_max_utterance_length(speak):
    s = speak("We keep talking without any pause at all about many things.")
    audio = np.concatenate([silence(0.5)] + [s] * 4)
    seg = VadSegmenter(max_utterance_s=3.0)
    events = _run(seg, audio) + seg.flush()
    ended = _ended(events)
    assert len(ended) >= 3
    assert all(e.end - e.start <= 3.0 + 1e-6 for e in ended)
    assert ended[0].reason == "max_length"


@pytest.mark.parametrize("aggressiveness", [0, 3])
def test_aggressiveness_configurable(speak, aggressiveness):
    s = speak("Testing aggressiveness.")
    seg = VadSegmenter(aggressiveness=aggressiveness)
    ended = _ended(_run(seg, np.concatenate([silence(0.5), s, silence(1.0)])))
    assert len(ended) == 1
