"""Loop spotting on decoded text: runaway repeats are found, what people really say is not."""

from __future__ import annotations

import pytest

from copilot.audio.loops import find_loop, longest_run, too_fast, trim_loops

LOOPED = "The card number is " + ", ".join(["41"] * 17)
SENTENCE = "Morning Alex. I have the latest numbers for this quarter."


@pytest.mark.parametrize(
    "text",
    [LOOPED, "go to go to go to the shop", f"{SENTENCE} {SENTENCE} Morning Alex"],
)
def test_runaway_repeats_are_found_and_cut(text):
    assert find_loop(text) is not None
    trimmed = trim_loops(text)
    assert find_loop(trimmed) is None
    assert longest_run(trimmed.split()) <= 4


@pytest.mark.parametrize(
    "text", ["4111 1111 1111 1111", "no no no", "I think, I think we should", "one one one one"]
)
def test_real_repetition_is_not_a_loop(text):
    assert find_loop(text) is None
    assert trim_loops(text) == text


def test_a_sentence_decoded_twice_is_too_fast_for_its_audio():
    assert trim_loops(f"{SENTENCE} {SENTENCE} Morning Alex") == SENTENCE
    assert too_fast(f"{SENTENCE} {SENTENCE}", seconds=4.0)
    assert not too_fast("We discussed the plan. We discussed the plan.", seconds=4.0)
    assert not too_fast("4111 1111 1111 1111", seconds=6.0)  # sixteen digits said
