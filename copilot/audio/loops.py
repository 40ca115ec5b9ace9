"""Spot Whisper's decoding loops and hallucinated repeats in a decoded text, and trim them.

A loop shows as one word said over and over ("41, 41, 41, 41, 41, …" for a card number read
digit by digit), a short phrase repeated ("go to go to go to"), or a whole sentence decoded
twice after the speech ended ("Morning Alex. I have the numbers. Morning Alex. I have the
numbers."). Real speech repeats too ("no no no", "1111 1111 1111 1111"), so the thresholds
sit above what people say: a word more than ``MAX_SAME`` times in a row, a 2-4 word phrase
three times, a phrase of ``LONG_PHRASE`` words or more twice. Words compare case- and
punctuation-blind. A repeated phrase also needs the text to be too fast for its audio
(``too_fast``): someone who says "we discussed the plan, we discussed the plan" is heard at
a normal rate, a sentence decoded twice is not.
"""

from __future__ import annotations

import re

MAX_SAME = 4
#: Spoken units (words; digits one by one) per second of audio above which text is too fast.
MAX_RATE = 4.5
SHORT_PHRASE_TIMES = 3
LONG_PHRASE = 5
_STRIP = re.compile(r"[^\w']+")


def _keys(words: list[str]) -> list[str]:
    return [_STRIP.sub("", w).lower() for w in words]


def _repeats(keys: list[str], i: int, k: int) -> int:
    """How many times the k-gram at ``i`` occurs back to back from ``i``."""
    times = 1
    while keys[i + times * k : i + (times + 1) * k] == keys[i : i + k]:
        times += 1
    return times


def _limit(k: int) -> int:
    """Back-to-back occurrences of a k-word unit that count as a loop."""
    if k == 1:
        return MAX_SAME + 1
    return SHORT_PHRASE_TIMES if k < LONG_PHRASE else 2


def find_loop(text: str) -> tuple[int, int, int] | None:
    """(first word, unit length in words, repeats) of the first loop in ``text``, or None."""
    words = text.split()
    keys = _keys(words)
    n = len(keys)
    for i in range(n):
        if not keys[i]:
            continue
        for k in range(1, (n - i) // 2 + 1):
            times = _repeats(keys, i, k)
            if times >= _limit(k):
                return i, k, times
    return None


def trim_loops(text: str) -> str:
    """``text`` with each loop cut to one occurrence of its unit (a last resort when a
    re-decode loops too: what the speaker said once stays, the runaway repeats go)."""
    words = text.split()
    while (found := find_loop(" ".join(words))) is not None:
        i, k, times = found
        del words[i + k : i + k * times]
        tail = words[i + k :]
        if len(tail) < k and _keys(tail) == _keys(words[i : i + len(tail)]):
            del words[i + k :]  # a repeat cut off by the token cap
    return " ".join(words)


def longest_run(words: list[str]) -> int:
    """The most times one word occurs back to back (for the "no runaway repeats" check)."""
    best = run = 0
    prev = None
    for key in _keys(words):
        run = run + 1 if key == prev else 1
        prev = key
        best = max(best, run)
    return best


def spoken_units(text: str) -> int:
    """Words, counting a digit string as its digits ("4111" is four spoken words)."""
    return sum(len(k) if k.isdigit() else 1 for k in _keys(text.split()) if k)


def too_fast(text: str, seconds: float, padding: float = 0.4) -> bool:
    """More spoken units than anyone says in ``seconds`` of audio (less VAD padding)."""
    return spoken_units(text) > MAX_RATE * max(0.5, seconds - padding)
