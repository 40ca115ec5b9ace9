"""Offline action items: owners (fuzzy names), due dates, hard negatives, merging, amendments."""

from datetime import date

import pytest

from copilot.intelligence.action_items import detect
from copilot.intelligence.owners import match_name
from copilot.intelligence.tracker import ItemTracker
from tests.intelligence.conftest import MEETING_DAY, PARTICIPANTS


def items(text, speaker=None):
    found = detect(text, speaker=speaker, participants=PARTICIPANTS, today=MEETING_DAY)
    return [(c.text, c.owner, c.due) for c in found if c.confidence >= 0.6]


@pytest.mark.parametrize("heard", ["Priya", "Prayah", "Prayer", "Pria"])
def test_misheard_names_match_participants(heard):
    assert match_name(heard, PARTICIPANTS) == "Priya"


def test_unrelated_names_do_not_match():
    assert match_name("Brian", PARTICIPANTS) is None
    assert match_name("Paul", PARTICIPANTS) is None


def test_sample_meeting_items_as_tiny_en_heard_them():
    assert items(
        "We are slightly over on marketing this quarter. Prayer will send the revised "
        "budget by Friday."
    ) == [("send the revised budget", "Priya", date(2026, 11, 27))]
    assert items(
        "So, the action items. Marcus will update the release notes by Wednesday, and I will "
        "book the review meeting with the design team.",
        speaker="Alex",
    ) == [
        ("update the release notes", "Marcus", date(2026, 12, 2)),
        ("book the review meeting with the design team", "Alex", None),
    ]
    assert items("Sure, I will share the slides after this call.", "Alex") == [
        ("share the slides", "Alex", date(2026, 11, 25))  # "after this call": later today
    ]


@pytest.mark.parametrize(
    "text",
    [
        "I'll think about it.",
        "We fixed the login problem yesterday, and the crash rate is very low.",
        "I sent the report to finance last week.",
        "Then we have decided to launch the new version at the end of next month.",
        "Hi all, I can give a quick update on the mobile release.",
        "The order number is 4417 and it ships on Friday.",
        "Marcus, how is the release going?",
        "Please do not read passwords out on a call.",
        "Thanks Alex, see you all next week.",
        "You will love the new dashboard.",
        "I will probably be late tomorrow.",
    ],
)
def test_hard_negatives(text):
    assert items(text, "Alex") == []


def test_requests_and_markers():
    assert items("Marcus, can you send me the deck by the 3rd?", "Alex") == [
        ("send me the deck", "Marcus", date(2026, 12, 3))
    ]
    assert items("Action item: Priya to draft the FAQ by end of month.") == [
        ("draft the FAQ", "Priya", date(2026, 11, 30))
    ]
    assert items("I'll get the contract signed next week, okay?", "Alex") == [
        ("get the contract signed", "Alex", date(2026, 12, 4))
    ]


def test_tracker_merges_duplicates_and_reemits_amendments():
    t = ItemTracker("cap-1")

    def add(text, speaker=None):
        out = []
        for c in detect(text, speaker=speaker, participants=PARTICIPANTS, today=MEETING_DAY):
            item = t.add(c)
            if item:
                out.append(item)
        return out

    (req,) = add("Could someone share the slides from last week?")
    assert req.owner is None
    (taken,) = add("Sure, I will share the slides after this call.", "Alex")
    assert taken.item_id == req.item_id and taken.owner == "Alex"
    (first,) = add("Marcus will update the release notes by Wednesday.")
    assert add("Marcus will update the release notes by Wednesday.") == []  # duplicate
    moved = t.amend("Actually, make that Thursday for the release notes.", MEETING_DAY)
    assert moved.item_id == first.item_id and moved.due == date(2026, 11, 26)
    assert len(t.items) == 2
    again = ItemTracker("cap-1")
    assert (
        again.add(
            detect(
                "Marcus will update the release notes by Wednesday.",
                participants=PARTICIPANTS,
                today=MEETING_DAY,
            )[0]
        ).item_id
        == first.item_id
    )
