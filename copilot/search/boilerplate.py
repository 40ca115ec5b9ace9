"""How much of a line is boilerplate: said, nearly the same, in many other meetings.

"Can everyone hear me?", "you're on mute", "let's wrap up here" recur in every call; a line
about this quarter's budget does not. Like IDF for words, a line's ``common`` score (0..1) is
how many near-duplicates (cosine > ``NEAR``) it has among a random sample of lines from
*other* sessions: ``min(1, count / max(MIN_COUNT, SHARE * sample size))``. Search subtracts a
little for it, so when a query's discussion is found, its small talk ranks below its content.
The sample is a reservoir of ``SAMPLE`` own vectors (seeded from the index on open), so the
cost per added line is one small matrix product. Lines added while the index holds little
else get lower scores than they would later; scores are not revisited.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from typing import Any

SAMPLE = 2000
NEAR = 0.6
SHARE = 0.01
MIN_COUNT = 20


class BoilerplateScorer:
    """A reservoir sample of (session, vector) and the ``common`` score against it."""

    def __init__(self, seed_sample: Any, *, size: int = SAMPLE, seen: int = 0) -> None:
        self._seed_sample = seed_sample  # () -> (session ids, vectors); called once, lazily
        self.size = size
        self._sessions: list[str] = []
        self._vectors: list[Any] = []
        self._seen = seen
        self._loaded = False
        self._rng = random.Random(0)
        self._lock = threading.Lock()

    def _load(self) -> None:
        if not self._loaded:
            sessions, vectors = self._seed_sample()
            self._sessions, self._vectors = list(sessions), list(vectors)
            self._seen = max(self._seen, len(self._vectors))
            self._loaded = True

    def score(self, sessions: Sequence[str], vectors: Any) -> Any:
        """``common`` for each new line (vectors: n x d unit rows), against the sample and
        the other new lines, counting only lines of other sessions."""
        import numpy as np

        with self._lock:
            self._load()
            ref_sessions = np.array([*self._sessions, *sessions])
            refs = np.asarray([*self._vectors, *vectors], dtype=np.float32)
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        mine = np.asarray(sessions)[:, None]
        other = ref_sessions[None, :] != mine
        near = (np.asarray(vectors, dtype=np.float32) @ refs.T > NEAR) & other
        eligible = other.sum(axis=1)
        return np.minimum(1.0, near.sum(axis=1) / np.maximum(MIN_COUNT, SHARE * eligible))

    def add(self, sessions: Sequence[str], vectors: Any) -> None:
        """Offer new lines to the reservoir (each kept with probability size / seen)."""
        with self._lock:
            self._load()
            for sid, vec in zip(sessions, vectors, strict=True):
                self._seen += 1
                if len(self._vectors) < self.size:
                    self._sessions.append(sid)
                    self._vectors.append(vec)
                else:
                    slot = self._rng.randrange(self._seen)
                    if slot < self.size:
                        self._sessions[slot], self._vectors[slot] = sid, vec

    def forget(self, session_id: str) -> None:
        """Drop a deleted session's lines from the sample."""
        with self._lock:
            keep = [i for i, sid in enumerate(self._sessions) if sid != session_id]
            self._sessions = [self._sessions[i] for i in keep]
            self._vectors = [self._vectors[i] for i in keep]
