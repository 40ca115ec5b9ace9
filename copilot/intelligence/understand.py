"""The offline action-item reader: one utterance → candidates, the model deciding.

Each sentence is classified by the intent model (action item, confirmation, neither). An
action sentence is split into clauses ("Dana will draft it, and I'll send it Friday") and
each clause read for task, owner and due date (copilot.intelligence.extract); when no clause
reads, the older pattern extractor is asked for the task. A confirmation becomes a
`confirm` candidate that the tracker merges into the request it answers.
"""

from __future__ import annotations

import re
from datetime import date

from copilot.intelligence import action_items as patterns
from copilot.intelligence.action_items import Candidate
from copilot.intelligence.extract import (
    Turn,
    confirmation_due,
    deictic,
    read,
    resolve_pronoun,
)
from copilot.intelligence.intent import IntentModel, shared_model
from copilot.intelligence.sensitive import redact
from copilot.intelligence.textutil import split_sentences

# "you'll have it by Thursday" is the speaker's promise, not a request of the listener
TOLD_HAVE = re.compile(
    r"(?i)^(?:\w+[,.]?\s+){0,3}?you(?:'ll| will) (?:have|get|receive|see) (?:it|that|them|those)\b"
)
# "I can have a draft over to you", "I should have a fix in a build by Friday": when it was
# asked of the speaker (or they just offered it), a delivery date for that task, not a new one
DELIVERY = re.compile(
    r"(?i)^have (?:(?:a|an|the|it|that|them|something|some|my|our) )?(?:[\w-]+ ){0,3}?"
    r"(?:ready|over|done|finished|across|back)\b|^have (?:a|an|the) [\w-]+ (?:in|to you)\b"
)
ACTION_MIN = 0.5  # p(action) for a sentence to be read for an item
CONFIRM_MIN = 0.5
EITHER_MIN = 0.6  # neither alone, but p(none) ≤ 0.4: read it as the likelier of the two


def detect(text: str, turn: Turn, today: date, model: IntentModel | None = None) -> list[Candidate]:
    """Candidates in one utterance (`turn` says who speaks; dates resolve against `today`)."""
    sentences = split_sentences(text)
    if not sentences:
        return []
    out: list[Candidate] = []
    for intent in (model or shared_model()).classify(sentences):
        s = intent.sentence
        p_a, p_c = intent.p("action"), intent.p("confirm")
        unsure = p_a < ACTION_MIN and p_c < CONFIRM_MIN and p_a + p_c >= EITHER_MIN
        if p_a >= ACTION_MIN or (unsure and p_a > p_c):
            # an item said as an acceptance ("Sure, I will review it") commits as much
            committed = intent.p("action") + intent.p("confirm")
            for c in _read_action(s, text, turn, today, intent.p("action")):
                if c.kind == "commitment":
                    c.confidence = round(min(1.0, committed), 2)
                if c.extras.get("takes_on"):
                    # "I'll take it", "you'll have it by Thursday": the speaker takes on what
                    # was just asked; the tracker finds it (or keeps the pointed-at task)
                    c = Candidate(
                        c.text, turn.speaker, c.due, c.due_phrase, c.confidence, s, "confirm",
                        {"takes_on": True},
                    )  # fmt: skip
                out.append(c)
        elif p_c >= CONFIRM_MIN or unsure:
            # an acceptance; if it also says what ("Sure, I'll review it after lunch") the task
            # stands as a commitment when there is no request for it to confirm
            parts = read(s, turn, today, whole=text)
            task = parts.task if parts is not None and parts.role == "commitment" else ""
            extras = {}
            if task:
                if deictic(task) or DELIVERY.match(task):  # "I can do the one on the 8th"
                    extras["takes_on"] = True  # takes on what was asked
                task = resolve_pronoun(task, text, turn.context)
            p = round(min(1.0, p_c + p_a) if task else p_c, 2)
            due = parts.due if task else confirmation_due(s, today)
            out.append(
                Candidate(task, turn.speaker if task else None, due, None, p, s, "confirm", extras)
            )
    for c in out:  # an item never repeats a secret said in the same breath
        c.text = redact(c.text)
        if c.kind != "confirm" and not c.extras.get("takes_on") and deictic(c.text):
            c.extras["points_back"] = True  # "can you get that done by tomorrow?": a prior task
    return out


def _read_action(s: str, whole: str, turn: Turn, today: date, p: float) -> list[Candidate]:
    found = []
    for clause in patterns.clauses(s):
        parts = read(clause, turn, today, whole=whole)
        if parts is None:
            continue
        extras = {}
        pointing = deictic(parts.task) or bool(DELIVERY.match(parts.task))
        parts.task = resolve_pronoun(parts.task, whole, turn.context)
        own = parts.role == "commitment" and parts.owner is not None
        told = parts.role == "request" and bool(TOLD_HAVE.match(clause.strip()))
        if pointing and turn.speaker and ((own and parts.owner == turn.speaker) or told):
            extras["takes_on"] = True  # still only pointing back: a reply to what was asked
        found.append(
            Candidate(
                parts.task, parts.owner, parts.due, parts.due_phrase, p, s, parts.role, extras
            )
        )
    if found:
        return [
            Candidate(
                c.text, c.owner, c.due, c.due_phrase, round(c.confidence, 2), s, c.kind, c.extras
            )
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
