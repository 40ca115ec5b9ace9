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

_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Za-z0-9])")
# a full stop that ends a word, not a sentence: "Dr. Mensah", "e.g. the agenda", "J. Smith"
_NOT_AN_END = re.compile(
    r"(?i)(?:^|\s)(?:mr|mrs|ms|dr|prof|st|mt|no|vs|etc|approx|dept|fig|e\.g|i\.e|[a-z])\.$"
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'_-]*")


def split_sentences(text: str) -> list[str]:
    """Split on sentence punctuation followed by a word (a recogniser may write the next
    sentence in lower case); keeps the punctuation, and "Dr." or "e.g." ends no sentence."""
    out: list[str] = []
    for piece in _SENT.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        if out and _NOT_AN_END.search(out[-1]) and piece[:1].islower():
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


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


_KEEP_DOUBLE = "lsfzaeiou"  # "calling", "seeing": the double letter stays
_NO_E_ENDINGS = ("er", "en", "on", "el", "it", "ow", "ew", "ay", "ey", "x", "w", "y")
_E_AFTER_IT = frozenset(["writ", "invit", "rewrit", "excit", "unit", "cit"])


def base_verb(word: str) -> str:
    """ "doing" → "do", "chasing" → "chase", "putting" → "put": the base form of an -ing
    word, so "would you mind sending …" reads as the task "send …"."""
    low = word.lower()
    if not low.endswith("ing") or len(low) < 5:
        return word
    stem_ = word[:-3]
    double = stem_[-1] == stem_[-2] and stem_[-1].lower() not in _KEEP_DOUBLE
    if len(stem_) >= 3 and double:
        return stem_[:-1]  # "putting", "planning"
    vowels = "aeiou"
    s = stem_.lower()
    cvc = len(s) >= 3 and s[-1] not in vowels and s[-2] in vowels and s[-3] not in vowels
    if s in _E_AFTER_IT or (cvc and not s.endswith(_NO_E_ENDINGS) and len(s) <= 7):
        return stem_ + "e"  # "writing", "chasing", "updating", "sharing"
    if (
        (len(s) == 2 and s[0] in vowels and s[1] not in vowels)
        or (s.endswith(("ul", "rg", "rc", "dg", "ns")) and len(s) > 3)
        or (s.endswith("ang") and len(s) > 4)
    ):
        return stem_ + "e"  # "using", "scheduling", "charging", "changing", "sourcing"
    return stem_
