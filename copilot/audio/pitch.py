"""A voice's pitch, as a feature next to its speaker embedding.

The speaker encoder (voice_embedding.py) is built to ignore much of what a voice does with
pitch, so two voices that share an accent and a vocal tract model can look nearly alike to
it (two synthetic voices on one espeak-ng base: cosine 0.87, as close as some utterances of
one voice) although one speaks an octave higher. The median F0 of an utterance is stable for
a speaker (within a few percent on every bench voice) and cheap to measure, so the
clustering (voice_clusters.py) takes `pitch_penalty` off the embeddings' similarity: pairs a
semitone apart keep it, pairs an octave apart lose `PENALTY`. Only taken off, never added,
so voices of one pitch are told apart exactly as before.
"""

from __future__ import annotations

import numpy as np

RATE = 16000
FRAME = 640  # 40 ms: two periods of an 50 Hz voice
HOP = 320
F0_MIN, F0_MAX = 60.0, 400.0
VOICED = 0.5  # normalised autocorrelation peak of a voiced frame
NEAR_BEST = 0.85  # the shortest period with this share of the best peak (no octave drops)
PENALTY = 0.15  # similarity taken from two utterances an octave or more apart
WIDTH = 0.35  # octaves: half the penalty at ~0.4 octave apart, almost nothing within a semitone


def median_f0(wav: np.ndarray) -> float | None:
    """Median fundamental frequency (Hz) of the voiced frames of 16 kHz mono audio; None
    when fewer than five frames are voiced."""
    x = np.asarray(wav, np.float32)
    if len(x) < FRAME:
        return None
    n = 1 + (len(x) - FRAME) // HOP
    frames = np.lib.stride_tricks.as_strided(
        x, (n, FRAME), (x.strides[0] * HOP, x.strides[0]), writeable=False
    )
    frames = frames - frames.mean(axis=1, keepdims=True)
    rms = np.sqrt((frames**2).mean(axis=1))
    loud = rms > 0.1 * rms.max() if rms.max() > 0 else np.zeros(n, bool)
    frames = frames[loud]
    if len(frames) < 5:
        return None
    spec = np.fft.rfft(frames * np.hanning(FRAME), 2 * FRAME, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :FRAME]
    ac /= np.maximum(ac[:, :1], 1e-12)
    lo, hi = int(RATE / F0_MAX), int(RATE / F0_MIN)
    band = ac[:, lo:hi]
    best = band.max(axis=1)
    voiced = best > VOICED
    if voiced.sum() < 5:
        return None
    # the first peak that comes near the best one: the period, not a multiple of it
    rows = band[voiced]
    first = np.argmax(rows >= NEAR_BEST * best[voiced, None], axis=1)
    periods = []
    for row, lag in zip(rows, first, strict=True):
        while lag + 1 < len(row) and row[lag + 1] > row[lag]:  # climb to the top of it
            lag += 1
        shift = 0.0
        if 0 < lag < len(row) - 1:  # between samples: the parabola through the top three
            a, b, c = row[lag - 1], row[lag], row[lag + 1]
            curve = a - 2 * b + c
            shift = 0.5 * (a - c) / curve if curve < 0 else 0.0
        periods.append(lag + lo + shift)
    return float(np.median(RATE / np.array(periods)))


def pitch_penalty(f0s: np.ndarray) -> np.ndarray:
    """How much less alike each pair of utterances is for their pitches (n × n): nothing
    for the same pitch, up to `PENALTY` an octave or more apart; nothing where a pitch is
    unknown (NaN)."""
    f0 = np.asarray(f0s, np.float64)
    octaves = np.log2(np.where(np.isnan(f0), 1.0, f0))
    apart = np.abs(octaves[:, None] - octaves[None, :])
    penalty = PENALTY * (1.0 - np.exp(-(apart**2) / (2 * WIDTH**2)))
    known = ~np.isnan(f0)
    return np.where(known[:, None] & known[None, :], penalty, 0.0)
