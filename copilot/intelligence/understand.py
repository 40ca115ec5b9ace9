"""The offline action-item reader: one utterance → candidates, the model deciding.

Each sentence is classified by the intent model (action item, confirmation, neither). An
action sentence is split into clauses ("Dana will draft it, and I'll send it Friday") and
each clause read for task, owner and due date (copilot.intelligence.extract); when no clause
reads, the older pattern extractor is asked for the task. A confirmation becomes a
`confirm` candidate that the tracker merges into the request it answers.
"""

from __future__ import annotations

from datetime import date

from copilot.intelligence import action_items as patterns
from copilot.intelligence.action_items import Candidate
from copilot.intelligence.extract import Turn, confirmation_due, read, resolve_pronoun
from copilot.intelligence.intent import IntentModel, shared_model
from copilot.intelligence.sensitive import redact
from copilot.intelligence.textutil import split_sentences

ACTION_MIN = 0.5  # p(action) for a sentence to be read for an item
CONFIRM_MIN = 0.5


def detect(text: str, turn: Turn, today: date, model: IntentModel | None = None) -> list[Candidate]:
    """Candidates in one utterance (`turn` says who speaks; dates resolve against `today`)."""
    sentences = split_sentences(text)
    if not sentences:
        return []
    out: list[Candidate] = []
    for intent in (model or shared_model()).classify(sentences):
        s = intent.sentence
        if intent.p("action") >= ACTION_MIN:
            # an item said as an acceptance ("Sure, I will review it") commits as much
            committed = intent.p("action") + intent.p("confirm")
            for c in _read_action(s, text, turn, today, intent.p("action")):
                if c.kind == "commitment":
                    c.confidence = round(min(1.0, committed), 2)
                out.append(c)
        elif intent.p("confirm") >= CONFIRM_MIN:
            # an acceptance; if it also says what ("Sure, I'll review it after lunch") the task
            # stands as a commitment when there is no request for it to confirm
            parts = read(s, turn, today, whole=text)
            task = parts.task if parts is not None and parts.role == "commitment" else ""
            p = round(intent.p("confirm"), 2)
            due = parts.due if task else confirmation_due(s, today)
            out.append(Candidate(task, turn.speaker if task else None, due, None, p, s, "confirm"))
    for c in out:  # an item never repeats a secret said in the same breath
        c.text = redact(c.text)
    return out


def _read_action(s: str, whole: str, turn: Turn, today: date, p: float) -> list[Candidate]:
    found = []
    for clause in patterns.clauses(s):
        parts = read(clause, turn, today, whole=whole)
        if parts is not None:
            parts.task = resolve_pronoun(parts.task, whole)
            found.append(
                Candidate(parts.task, parts.owner, parts.due, parts.due_phrase, p, s, parts.role)
            )
    if found:
        return [
            Candidate(c.text, c.owner, c.due, c.due_phrase, round(c.confidence, 2), s, c.kind)
            for c in found
        ]
    legacy = patterns.detect(
        s, speaker=turn.speaker, participants=list(turn.participants), today=today
    )
    return [
        Candidate(c.text, c.owner, c.due, c.due_phrase, round(p, 2), s, c.kind) for c in legacy[:1]
    ]


def flagged(text: str, minimum: float) -> bool:
    """Whether any sentence may be an action item or a confirmation (p ≥ `minimum`)."""
    sentences = split_sentences(text)
    return any(
        i.p("action") >= minimum or i.p("confirm") >= minimum
        for i in shared_model().classify(sentences)
    )
