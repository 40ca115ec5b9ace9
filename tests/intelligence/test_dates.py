"""Due dates said in speech resolve relative to the meeting date (Wednesday 2026-11-25)."""

from datetime import date

import pytest

from copilot.intelligence.dates import resolve_due
from tests.intelligence.conftest import MEETING_DAY


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("send it by Friday", date(2026, 11, 27)),
        ("by Wednesday", date(2026, 12, 2)),  # today is Wednesday: the next one
        ("next Monday", date(2026, 11, 30)),
        ("next Friday", date(2026, 12, 4)),
        ("tomorrow", date(2026, 11, 26)),
        ("the day after tomorrow", date(2026, 11, 27)),
        ("by end of day", date(2026, 11, 25)),
        ("next week", date(2026, 12, 4)),
        ("by the end of the week", date(2026, 11, 27)),
        ("end of month", date(2026, 11, 30)),
        ("by the end of next month", date(2026, 12, 31)),
        ("by the 3rd", date(2026, 12, 3)),
        ("on the 28th", date(2026, 11, 28)),
        ("by March 3rd", date(2027, 3, 3)),
        ("on 14 December", date(2026, 12, 14)),
        ("in two weeks", date(2026, 12, 9)),
        ("before the fourteenth", date(2026, 12, 14)),
        ("by the twenty-eighth", date(2026, 11, 28)),
        ("I'll rotate it right after this call", date(2026, 11, 25)),
        ("as soon as we hang up", date(2026, 11, 25)),
    ],
)
def test_resolves(text, due):
    assert resolve_due(text, MEETING_DAY)[0] == due


def test_no_date_and_earliest_phrase_wins():
    assert resolve_due("update the release notes", MEETING_DAY) == (None, None)
    assert resolve_due("on the second floor, by the third draft", MEETING_DAY) == (None, None)
    assert resolve_due("tomorrow, not Friday", MEETING_DAY)[1] == "tomorrow"
