"""Numbers in one written form: what search and the detectors compare."""

from __future__ import annotations

import pytest

from copilot.text.numbers import match_form, numbers_to_digits


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("twelve percent over budget", "12 % over budget"),
        ("Twelve per cent over budget!", "12% over budget"),
        ("four one one one, one one one one", "4111 1111"),
        ("one point two million dollars", "$1,200,000 dollars"),
        ("$1.2 million dollars", "1200000 dollars"),
        ("forty-two thousand", "42,000"),
        ("double two oh five", "2205"),
        ("March fourteenth", "march 14th"),
    ],
)
def test_spoken_and_written_numbers_meet(a, b):
    assert match_form(a) == match_form(b)


def test_text_around_numbers_is_kept_for_detectors():
    assert numbers_to_digits("Card four one one one, one one one one.") == "Card 4111, 1111."
    assert numbers_to_digits("Mei said: call me on oh seven nine.") == "Mei said: call me on 079."
    assert numbers_to_digits("version 2.0.1 ships") == "version 2.0.1 ships"
    assert numbers_to_digits("") == ""


def test_different_numbers_stay_different():
    assert match_form("twelve percent") != match_form("twenty percent")
    assert match_form("41, 41, 41") == "41 41 41"  # a decoding loop is not a card number


def test_os_is_a_word_not_a_zero():
    # text2num reads "os" as the plural of "o" (zero): "import os" must not become "import 0"
    assert match_form("import os; the OS is fine") == "import os the os is fine"
    assert numbers_to_digits("four one one one OS") == "4111 OS"
