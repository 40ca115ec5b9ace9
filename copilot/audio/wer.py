"""Word error rate after Whisper's own English text normaliser, digits compared one by one.

Both sides go through ``whisper_normalizer``'s ``EnglishTextNormalizer`` (the normaliser
OpenAI published with Whisper's WER figures: case, punctuation, contractions, British/American
spellings, spelled numbers and currencies as digits, "percent" as "%"), so "Let's", "twelve
percent" and "eight hundred dollars" match "let us", "12%" and "$800". Then every digit is a
word of its own, so "4111 1111" and "four one one one, one one one one" compare equal and a
partly wrong number costs only its wrong digits. Used by tests and bench/asr.py (a dev
dependency: install the project with ``[dev]``).
"""

from __future__ import annotations

import re
from functools import cache

_DIGIT = re.compile(r"\d")


@cache
def _english():
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalise(text: str) -> list[str]:
    text = re.sub(r"\b([ap]) m\b", r"\1m", _english()(text))  # "a.m." became "a m"
    text = _DIGIT.sub(lambda m: f" {m.group()} ", text)
    return [w for w in re.split(r"[\s.,]+", text) if w]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, number of reference words)."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1], len(ref)


def wer(reference: str, hypothesis: str) -> float:
    errors, n = word_errors(reference, hypothesis)
    return errors / max(1, n)
