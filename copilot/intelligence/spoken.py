"""Spoken digits → digits: "four one one one, double two, oh five" → "4111 22 05".

Speech recognisers write numbers read out digit by digit either as digits or as words; the
sensitive-content detectors run on both the text and this normalised form. Each run of digit
words becomes one token, so positions still point at the words that were spoken.
"""

from __future__ import annotations

import re

DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "to": None,
    "three": "3",
    "four": "4",
    "for": None,
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "niner": "9",
}
MULT = {"double": 2, "triple": 3}
_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")
MIN_RUN = 4  # at least this many digits before a run of words counts as a number read out
#: A run has at least one digit word; most sentences have none, and need no closer look.
#: (Searched in the lower-cased text, with look-arounds: `(?i)` and `\b` cost three times more.)
_DIGIT_WORD = re.compile(
    r"(?<![a-z])(?:" + "|".join(w for w, d in DIGITS.items() if d is not None) + r")(?![a-z])"
)


def digit_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) for each run of ≥ MIN_RUN spoken or written digits in `text`.

    Separators between digits ("-", ",", spaces) are allowed; "to"/"for" count only between
    other digit words (so "send it to four people" is not a number).
    """
    runs: list[tuple[int, int, str]] = []
    if _DIGIT_WORD.search(text.lower()) is None:
        return runs
    toks = list(_TOKEN.finditer(text))
    i = 0
    while i < len(toks):
        digits, start, end, j, mult, words_seen = "", None, None, i, 1, 0
        while j < len(toks):
            t = toks[j].group(0)
            low = t.lower()
            if low in MULT:
                mult = MULT[low]
                j += 1
                continue
            if t.isdigit():
                digits += t * mult if len(t) == 1 else t
            elif low in DIGITS and DIGITS[low] is not None and (low not in ("o", "oh") or digits):
                digits += DIGITS[low] * mult
                words_seen += 1
            elif t in "-,." and digits and j + 1 < len(toks):
                j += 1
                continue
            else:
                break
            mult = 1
            start = toks[j].start() if start is None else start
            end = toks[j].end()
            j += 1
        if len(digits) >= MIN_RUN and words_seen:
            runs.append((start, end, digits))
        i = max(j, i + 1)
    return runs


def normalise(text: str) -> str:
    """`text` with every spoken digit run replaced by its digits (for regex detectors)."""
    out, last = [], 0
    for start, end, digits in digit_runs(text):
        out.append(text[last:start])
        out.append(digits)
        last = end
    out.append(text[last:])
    return "".join(out)


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Like `normalise`, plus for each output character the index it came from in `text`
    (digits of a spoken run map across the run), so spans found in the output map back."""
    runs = digit_runs(text)
    if not runs:
        return text, list(range(len(text) + 1))
    out: list[str] = []
    where: list[int] = []
    last = 0
    for start, end, digits in runs:
        out.append(text[last:start])
        where.extend(range(last, start))
        out.append(digits)
        step = (end - start) / max(len(digits), 1)
        where.extend(min(end - 1, start + int(i * step)) for i in range(len(digits)))
        last = end
    out.append(text[last:])
    where.extend(range(last, len(text)))
    where.append(len(text))
    return "".join(out), where
