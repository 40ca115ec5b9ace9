"""Voices within one channel from utterance embeddings, re-clustered at every final.

A fixed cosine threshold between an utterance and a voice's centroid does not carry from one
set of voices to another: how alike two utterances of one voice are (0.88-0.95 with
Resemblyzer's encoder) and how alike two different voices are (0.6-0.9) both move with the
voices. So at each final the recent history is clustered again, agglomeratively, with a
stopping rule on a ratio that is scaled by the clusters' own spread:

    r(A, B) = mean cross similarity(A, B) / sqrt(within(A) * within(B))

(within = mean similarity of a cluster's own pairs, shrunk towards `WITHIN_PRIOR`; r is ~1
for two halves of one voice, lower for two voices however tight each is). Two clusters are
one voice while r ≥ `SAME_VOICE`; when one side is a single utterance, whose embedding is
noisier, while r ≥ `SAME_VOICE_SINGLE`.

Ids stay put: each voice is anchored on the utterance that started it (see `OnlineVoices`),
so a voice first heard as someone else gets its own id once the clusters tell them apart,
the other keeps its id, and finals already emitted keep what they were labelled. Thresholds
were chosen on the tuning and development meetings of bench/diarization.py, never on the
held-out one. Cost: one clustering of at most `HISTORY` + a few utterances per final.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from copilot.audio.pitch import pitch_penalty

SAME_VOICE = 0.93  # r between two clusters of ≥ 2 utterances to be one voice
SAME_VOICE_SINGLE = 0.92  # r when one of them is a single utterance
WITHIN_PRIOR = 0.90  # expected similarity of two utterances of one voice (Resemblyzer)
PRIOR_PAIRS = 2.0  # weight of that prior, in pairs, against a cluster's own pairs
PRIOR_FROM_N = 6  # utterances before the prior follows the session (within_prior)
NEAREST_OVER_MEAN = 0.06  # nearest-neighbour similarity over the mean within one voice
PRIOR_FLOOR = 0.5
MIN_NEW_VOICE_S = 1.2  # shorter finals never start a new voice (too little to tell)
HISTORY = 150  # utterances re-clustered at each final (the most recent ones) …
KEEP_PER_VOICE = 12  # … plus each voice's latest few, so a voice silent for long is still known


@dataclass(eq=False)
class Voice:
    label: str
    named: bool = False
    anonymous: str = ""  # the "them-N" it had before it was named
    doubtful: bool = False  # answered to two names: two people in one voice, never named


@dataclass(eq=False)
class Utterance:
    embedding: np.ndarray
    seconds: float
    voice: Voice | None = None
    f0: float = float("nan")  # median pitch (Hz), NaN when unknown


def within_prior(sims: np.ndarray) -> float:
    """The similarity expected between two utterances of one voice, for this session.

    `WITHIN_PRIOR` fits clean, steady voices; real voices vary more (0.6-0.85 between pieces
    of one speaker). An utterance's most similar other utterance is nearly always the same
    voice, so once there are `PRIOR_FROM_N` utterances the prior is lowered to the median of
    those nearest similarities less `NEAREST_OVER_MEAN` (never raised)."""
    n = len(sims)
    if n < PRIOR_FROM_N:
        return WITHIN_PRIOR
    others = sims - 2.0 * np.eye(n)
    nearest = float(np.median(others.max(axis=1)))
    return float(min(WITHIN_PRIOR, max(PRIOR_FLOOR, nearest - NEAREST_OVER_MEAN)))


def cluster(embeddings: np.ndarray, f0s: np.ndarray | None = None) -> np.ndarray:
    """Agglomerative clustering of unit embeddings (n × d) with the stopping rule above,
    pairs of different pitch (`f0s`, Hz, NaN unknown) made less alike (pitch.py); returns a
    cluster number per row (numbers are arbitrary)."""
    n = len(embeddings)
    if n <= 1:
        return np.zeros(n, int)
    cross = (embeddings @ embeddings.T).astype(np.float64)  # sums over pairs; diag incl. self
    if f0s is not None:
        cross -= pitch_penalty(f0s)
    prior = within_prior(cross)
    count = np.ones(n)
    alive = np.ones(n, bool)
    owner = np.arange(n)
    within = np.full(n, prior)  # a cluster's within similarity, shrunk towards the prior

    def margin(i: int) -> np.ndarray:
        """r - threshold between cluster i and every cluster (itself and dead ones: -inf)."""
        r = cross[i] / (count[i] * count) / np.sqrt(within[i] * within)
        single = np.minimum(count[i], count) < 2
        m = r - np.where(single, SAME_VOICE_SINGLE, SAME_VOICE)
        m[~alive] = -np.inf
        m[i] = -np.inf
        return m

    scores = cross / np.sqrt(np.outer(within, within)) - SAME_VOICE_SINGLE
    np.fill_diagonal(scores, -np.inf)
    best = scores.argmax(axis=1)  # each row's best partner, so a merge costs O(n), not O(n²)
    while True:
        a = int(np.argmax(scores[np.arange(n), best]))
        b = int(best[a])
        if scores[a, b] < 0:
            break
        cross[a, :] += cross[b, :]
        cross[:, a] += cross[:, b]
        count[a] += count[b]
        alive[b] = False
        owner[owner == b] = a
        pairs = count[a] * (count[a] - 1)
        within[a] = (cross[a, a] - count[a] + PRIOR_PAIRS * prior) / (pairs + PRIOR_PAIRS)
        row = margin(a)
        scores[b, :] = scores[:, b] = -np.inf
        scores[a, :] = scores[:, a] = row
        best[a] = int(np.argmax(row))
        stale = alive & ((best == a) | (best == b))
        stale[a] = False
        for i in np.flatnonzero(stale):
            best[i] = int(np.argmax(scores[i]))
        better = alive & (row > scores[np.arange(n), best])
        best[better] = a
    return owner


class OnlineVoices:
    """Label each utterance embedding with a voice, re-clustering the history each time.

    A voice is anchored on the utterance that started it (its founder, always kept in the
    history): the cluster holding a founder is that voice. A cluster holding several founders
    (voices the clustering now finds alike) is the one of them its utterances were most
    labelled as, and the others come back as soon as their founders' clusters part again; a
    cluster with no founder is a voice first heard as another one and gets a new id.
    Utterances keep the voice they were labelled with (what the user saw)."""

    def __init__(self, prefix: str = "them", history: int = HISTORY) -> None:
        self.prefix = prefix
        self.keep = history
        self.voices: list[Voice] = []
        self.history: list[Utterance] = []
        self._founders: dict[int, Utterance] = {}  # id(voice) -> its first utterance

    def assign(self, embedding: np.ndarray, seconds: float, f0: float | None = None) -> Voice:
        """The voice of an utterance (its embedding, length, and median pitch if known)."""
        pitch = float("nan") if f0 is None else float(f0)
        now = Utterance(np.asarray(embedding, np.float32), float(seconds), f0=pitch)
        self.history.append(now)
        self._trim()
        groups = cluster(
            np.stack([u.embedding for u in self.history]), np.array([u.f0 for u in self.history])
        )
        mine = int(groups[-1])
        voice = self._owner(groups, mine)
        if voice is None:
            seconds_in = sum(
                u.seconds for u, g in zip(self.history, groups, strict=True) if g == mine
            )
            if seconds_in < MIN_NEW_VOICE_S and self.voices:
                voice = self._nearest(now.embedding)
            else:
                voice = Voice(f"{self.prefix}-{len(self.voices) + 1}")
                self.voices.append(voice)
                self._founders[id(voice)] = now
        now.voice = voice
        return voice

    def _owner(self, groups: np.ndarray, group: int) -> Voice | None:
        """The voice of cluster `group`: the founder's; of several, the most labelled one."""
        members = [u for u, g in zip(self.history, groups, strict=True) if g == group]
        founded = {id(u): None for u in members}
        candidates = [v for v in self.voices if id(self._founders[id(v)]) in founded]
        if not candidates:
            return None

        def labelled(v: Voice) -> float:
            return sum(u.seconds for u in members if u.voice is v)

        return max(candidates, key=lambda v: (labelled(v), -self.voices.index(v)))

    def _nearest(self, embedding: np.ndarray) -> Voice:
        best, best_sim = self.voices[0], -np.inf
        for voice in self.voices:
            mine = [u.embedding for u in self.history[:-1] if u.voice is voice]
            if mine:
                centre = np.mean(mine, axis=0)
                sim = float(centre @ embedding) / max(float(np.linalg.norm(centre)), 1e-9)
                if sim > best_sim:
                    best, best_sim = voice, sim
        return best

    def _trim(self) -> None:
        if len(self.history) <= self.keep:
            return
        keep = set(range(len(self.history) - self.keep, len(self.history)))
        founders = {id(u) for u in self._founders.values()}
        latest: dict[int, list[int]] = {}
        for i, u in enumerate(self.history):
            if id(u) in founders:
                keep.add(i)
            if u.voice is not None:
                latest.setdefault(id(u.voice), []).append(i)
        for idx in latest.values():
            keep.update(idx[-KEEP_PER_VOICE:])
        self.history = [u for i, u in enumerate(self.history) if i in keep]
