"""Pitch next to the speaker embedding: a stable median F0 per voice, a penalty that only
parts voices of different pitch, and two voices the embeddings find alike but an octave
apart told apart by the clustering."""

from __future__ import annotations

import numpy as np
import pytest

from copilot.audio.pitch import PENALTY, median_f0, pitch_penalty
from copilot.audio.voice_clusters import OnlineVoices, cluster
from tests.audio.test_diarize import MARCUS, PRIYA
from tests.audio.test_diarize import voice as voice
from tests.audio.test_voice_clusters import voices

SR = 16000


def _buzz(f0: float, seconds: float = 1.0) -> np.ndarray:
    """A harmonic-rich tone (a crude voiced sound) with a little noise."""
    t = np.arange(int(SR * seconds)) / SR
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8))
    rng = np.random.default_rng(0)
    return (0.2 * wave + 0.01 * rng.normal(size=len(t))).astype(np.float32)


@pytest.mark.parametrize("f0", [85.0, 120.0, 210.0, 320.0])
def test_median_f0_of_a_voiced_sound(f0):
    assert median_f0(_buzz(f0)) == pytest.approx(f0, rel=0.04)


def test_no_pitch_in_silence_noise_or_a_blip():
    rng = np.random.default_rng(1)
    assert median_f0(np.zeros(SR, np.float32)) is None
    assert median_f0((0.1 * rng.normal(size=SR)).astype(np.float32)) is None
    assert median_f0(_buzz(150.0, 0.02)) is None


def test_real_speech_pitch_is_stable_per_voice_and_apart_between_voices(voice):
    lines = ["The budget review moved to Thursday.", "Can you send me the latest figures?"]
    priya = [median_f0(voice(PRIYA, t)) for t in lines]
    marcus = [median_f0(voice(MARCUS, t)) for t in lines]
    assert max(priya) / min(priya) < 1.1 and max(marcus) / min(marcus) < 1.1
    assert abs(np.log2(np.mean(priya) / np.mean(marcus))) > 0.1


def test_the_penalty_only_parts_different_pitches():
    p = pitch_penalty(np.array([100.0, 103.0, 200.0, np.nan]))
    assert p[0, 0] == 0 and p[0, 1] < 0.01  # a semitone apart: as alike as before
    assert p[0, 2] == pytest.approx(PENALTY, rel=0.1)  # an octave: PENALTY less alike
    assert (p[3] == 0).all() and (p[:, 3] == 0).all()  # unknown pitch: nothing changes
    assert (p >= 0).all() and np.allclose(p, p.T)


def test_voices_alike_to_the_encoder_but_an_octave_apart_are_two():
    make = voices(3, within=0.92, apart=0.95, n=2)  # centres as alike as one voice's halves
    order = [0, 1] * 8
    emb = np.stack([make(k) for k in order])
    f0 = np.array([110.0 if k == 0 else 220.0 for k in order])
    merged = cluster(emb)
    parted = cluster(emb, f0)
    assert len(set(merged)) == 1  # the embeddings alone hear one voice
    assert len(set(parted)) == 2
    assert all((parted[i] == parted[0]) == (k == 0) for i, k in enumerate(order))
    online = OnlineVoices()
    labels = [online.assign(e, 2.0, f).label for e, f in zip(emb, f0, strict=True)]
    assert labels[2:] == [labels[0], labels[1]] * 7 and labels[0] != labels[1]
