"""Numbers in one written form, so "twelve percent", "12 %" and "12%" match.

Speech recognisers write the same spoken number in many ways ("twelve percent", "12%",
"4111 1111" or "four one one one, one one one one", "$1.2 million"), and people type queries
in yet another. Two functions put text in one form before comparing it:

- ``numbers_to_digits(text)`` keeps the text as it is (case, punctuation) but writes spelled
  numbers as digits (text2num's ``alpha2digit``, every number, ordinals as "14th"), folds a
  scale word into its number ("1.2 million" and "one point two million" → "1200000"), joins
  a number read out digit by digit into one token ("four one one one", "4 1 1 1" → "4111";
  "double two" → "22"; "oh" between digits → "0") and drops digit-group commas ("1,200" →
  "1200"). Use it before a regex detector (cards, phone numbers, amounts).
- ``match_form(text)`` is that plus lower case, "%" / "per cent" → "percent", and words
  separated by single spaces without other punctuation: the form to index and to query with
  (search's keyword side uses it on both sides).

Both are pure and cheap (text2num is a small Rust extension); they never raise on odd input.
"""

from __future__ import annotations

import contextlib
import re
from decimal import Decimal, InvalidOperation

from text_to_num import alpha2digit

_DIGIT_WORDS = "zero|one|two|three|four|five|six|seven|eight|nine|oh"
_REPEAT = re.compile(rf"\b(double|triple)\s+({_DIGIT_WORDS}|\d)\b", re.IGNORECASE)
_SCALE = {"1000": 10**3, "1000000": 10**6, "1000000000": 10**9, "1000000000000": 10**12}
_FOLD = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?) (1000(?:000){0,3})(?!\d|[.,]\d)")
_GROUP_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_OH = re.compile(r"(?<![A-Za-z])oh(?=(?:\s+\d(?!\d)){2})|(?<=\b\d )oh(?= \d\b)", re.IGNORECASE)
#: Single digits separated only by spaces (a number read digit by digit), at least two.
_DIGIT_RUN = re.compile(r"(?<!\w)(?<!\d[.,])\d(?: \d)+(?!\w|[.,]\d)")
_PERCENT = re.compile(r"\s*%|\bper\s?cent\b", re.IGNORECASE)
_WORD = re.compile(r"\d+(?:\.\d+)+|\w+")
#: Words text2num reads as numbers that are words here ("OS" would become "0").
_NOT_NUMBERS = re.compile(r"\b(?:os)\b", re.IGNORECASE)
_MASK = "\ue000"  # a private-use character: never in speech or OCR text


def _repeat(m: re.Match) -> str:
    times = 2 if m.group(1).lower() == "double" else 3
    return " ".join([m.group(2)] * times)


def _fold(m: re.Match) -> str:
    try:
        value = Decimal(m.group(1)) * _SCALE[m.group(2)]
    except (InvalidOperation, KeyError):
        return m.group(0)
    return format(value.normalize(), "f")


def numbers_to_digits(text: str) -> str:
    """``text`` with every spelled or digit-by-digit number written as one run of digits."""
    if not text:
        return text
    out = _REPEAT.sub(_repeat, text)
    kept = _NOT_NUMBERS.findall(out)
    if kept:
        out = _NOT_NUMBERS.sub(_MASK, out)
    with contextlib.suppress(Exception):  # a detector must never fail on odd input
        out = alpha2digit(out, "en", threshold=0)
    if kept:
        words = iter(kept)
        out = re.sub(_MASK, lambda _: next(words, ""), out)
    out = _GROUP_COMMA.sub("", out)
    out = _FOLD.sub(_fold, out)
    out = _OH.sub("0", out)
    return _DIGIT_RUN.sub(lambda m: m.group(0).replace(" ", ""), out)


def match_form(text: str) -> str:
    """Lower-case words and numbers separated by single spaces, numbers as digits and
    percent as a word: "Twelve per cent over budget!" and "12% over budget" → "12 percent
    over budget"."""
    out = _PERCENT.sub(" percent", numbers_to_digits(text))
    return " ".join(_WORD.findall(out.casefold())).replace("_", " ")
