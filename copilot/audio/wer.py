"""Word error rate with a small normaliser (case, punctuation, numbers, digits one by one).

Whisper writes "12%" or "4111 1111" where the reference says "twelve percent" or "four one one
one one one one one": both sides first go through :func:`copilot.text.numbers.numbers_to_digits`
(spelled numbers as digits), then every digit is spelled on its own, so those compare equal
and a partly wrong number costs only its wrong digits. Used by the tests and bench/asr.py.
"""

from __future__ import annotations

import re

from copilot.text.numbers import numbers_to_digits

_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def normalise(text: str) -> list[str]:
    text = numbers_to_digits(text).lower()
    text = re.sub(r"\bper cent\b", " percent ", text).replace("%", " percent ")
    text = text.replace("&", " and ")
    text = re.sub(r"\d", lambda m: f" {_DIGITS[int(m.group())]} ", text)
    text = re.sub(r"[-/]", " ", text)
    text = re.sub(r"[^a-z' ]+", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


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
