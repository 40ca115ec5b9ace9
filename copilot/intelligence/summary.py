"""A running meeting summary without a model: a short extract, key decisions, open questions.

The measured small local models copied lines or invented facts and took seconds; an
extractive summary is the honest default. Decisions are sentences that say something was
decided or agreed; open questions are real questions (not small talk, not requests, which
become action items) that nobody has answered with a decision since. A revised transcript
replaces the utterance's earlier text (`utterance_id`, newest `revision` wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from copilot.intelligence.extract import ASK_RX, LEAD, VOCATIVE_LEAD
from copilot.intelligence.extractive import SMALL_TALK, answer, condense
from copilot.intelligence.sensitive import redact
from copilot.intelligence.textutil import content_stems, overlap, split_sentences, words

DECIDED = re.compile(
    r"\b(?:we(?:'ve| have)? (?:decided|agreed|settled on|chose|picked|are going with|'re going "
    r"with|will go with|'ll go with)|(?:it's|it is) (?:decided|agreed|settled)|the decision is|"
    r"decision(?: was made)?:|let's go with|let us go with|we're going ahead with|"
    r"(?:is|was|got) (?:approved|signed off)|final answer|agreed[,:] |consensus is)\b",
    re.I,
)
NOT_A_QUESTION = re.compile(
    r"^(?:can|could) (?:you|everyone|everybody) (?:hear|see)|^(?:are|is) you there|"
    r"^how (?:are|was|is) (?:you|your|everyone|the weekend|the vacation)|^right\?|^okay\?|"
    r"^anything else|^any (?:other )?questions|^shall we|^should we (?:start|begin|wrap)",
    re.I,
)
MAX_ITEMS = 8


@dataclass
class Said:
    revision: int
    start: float | None
    text: str


@dataclass
class Summary:
    summary: str
    decisions: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    utterances: int = 0

    def text(self) -> str:
        """The summary as the text of an `index` event (and the body of notes.md's sections)."""
        parts = [f"Summary: {self.summary or 'nothing said yet'}"]
        if self.decisions:
            parts.append("Decisions: " + " | ".join(self.decisions))
        if self.questions:
            parts.append("Open questions: " + " | ".join(self.questions))
        return "\n".join(parts)


def is_open_question(sentence: str) -> bool:
    s = LEAD.sub("", sentence.strip())
    s = VOCATIVE_LEAD.sub("", s)
    if not s.endswith("?") or len(words(s)) < 4 or SMALL_TALK.match(s):
        return False
    return not (NOT_A_QUESTION.search(s) or ASK_RX.match(s))  # a request is an action item


class RunningSummary:
    """Final utterances of one meeting in spoken order; `snapshot()` summarises them."""

    def __init__(self) -> None:
        self._said: dict[str, Said] = {}
        self._order: list[str] = []

    def add(self, key: str, text: str, start: float | None = None, revision: int = 0) -> bool:
        """Record an utterance (or a newer revision of one); False if it changes nothing."""
        old = self._said.get(key)
        if old is not None and revision <= old.revision:
            return False
        if old is None:
            self._order.append(key)
        self._said[key] = Said(revision, start, redact(text.strip()))
        return True

    def __len__(self) -> int:
        return len(self._order)

    @staticmethod
    def _answered(question: str, later: list[str]) -> bool:
        """A later decision about the same thing answers a question."""
        asked = content_stems(question)
        return any(DECIDED.search(s) and overlap(asked, content_stems(s)) >= 0.2 for s in later)

    def snapshot(self) -> Summary:
        said = [self._said[k] for k in self._order if self._said[k].text]
        said.sort(key=lambda s: (s.start is None, s.start or 0.0))
        sentences = [s for u in said for s in split_sentences(u.text)]
        decisions = [condense(s) for s in sentences if DECIDED.search(s)]
        questions: list[str] = []
        for i, s in enumerate(sentences):
            if is_open_question(s) and not self._answered(s, sentences[i + 1 :]):
                questions.append(condense(s))
        whole = " ".join(sentences)
        short = answer("Summarise the key points", whole, max_sentences=3, max_words=80)
        return Summary(
            short,
            list(dict.fromkeys(decisions))[-MAX_ITEMS:],
            list(dict.fromkeys(questions))[-MAX_ITEMS:],
            len(said),
        )
