"""Small text helpers shared by the offline engines: sentences, content words, similarity."""

from __future__ import annotations

import re
from collections.abc import Iterable

STOPWORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from as is are was were be been
    being am do does did have has had i you he she it we they me him her us them my your his its
    our their this that these those there here what which who whom whose when where why how all
    any both each few more most other some such no nor not only own same than too very can will
    just should now would could shall may might must let lets let's us also about into over
    after before up down out off again further once okay ok yeah yes um uh well oh really
    """.split()  # noqa: SIM905
)

_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z0-9])")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'_-]*")


def split_sentences(text: str) -> list[str]:
    """Split on sentence punctuation followed by a capital/digit; keeps the punctuation."""
    return [s.strip() for s in _SENT.split(text.strip()) if s.strip()]


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'decided'/'decision'-style variants lexically."""
    w = word.lower().strip("'")
    for suffix in ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "ied", "ed", "es", "s"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def content_stems(text: str, extra_stop: Iterable[str] = ()) -> list[str]:
    stop = STOPWORDS | set(extra_stop)
    return [stem(w) for w in words(text) if w not in stop and len(w) > 1]


def overlap(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard similarity of two word collections (0..1)."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def coverage(query: Iterable[str], text: Iterable[str]) -> float:
    """Share of `query` stems found in `text` (prefix match of ≥ 5 letters counts as half)."""
    q, t = list(dict.fromkeys(query)), set(text)
    if not q:
        return 0.0
    score = 0.0
    for w in q:
        if w in t:
            score += 1.0
        elif len(w) >= 5 and any(x[:5] == w[:5] for x in t):
            score += 0.5
    return score / len(q)
