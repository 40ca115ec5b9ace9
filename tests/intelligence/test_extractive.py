"""The offline index answer: relevant sentences, condensed, never the batch echoed."""

from copilot.intelligence.extractive import answer

BATCH = (
    "Good morning everyone, thanks for joining the weekly planning call. Morning Alex. "
    "I have the latest numbers for this quarter. Hi all. I can give a quick update on the "
    "mobile release. Great. Let us start with the budget. Good. Then we have decided to launch "
    "the new version at the end of next month."
)


def test_decision_prompt_picks_the_decision():
    out = answer("Extract key decisions and action items", BATCH)
    assert "decided to launch the new version" in out
    assert out != BATCH and len(out) < len(BATCH) / 2
    assert not out.startswith(("Good.", "Then"))  # filler trimmed


def test_topic_prompt_picks_the_topic():
    out = answer("What was said about the budget or numbers?", BATCH)
    assert "budget" in out or "numbers" in out
    assert "Good morning" not in out


def test_single_sentence_and_empty():
    assert answer("summary", "So, okay, we ship on Monday.") == "We ship on Monday."
    assert answer("summary", "") == ""
