"""The llm tasks copilot asks models to do, each with its offline implementation.

Imported by `copilot.llm` on first use; the schemas are what a real model must return.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot.intelligence import extractive, rules
from copilot.llm import Task, register_task


class Answer(BaseModel):
    answer: str


class ActionItemOut(BaseModel):
    text: str = ""
    owner: str | None = None
    due: date | None = None
    confidence: float = Field(default=0.8, ge=0.0, le=1.0)
    # commitment | request (someone is asked) | marked ("Action item:") | confirm (a reply
    # accepting an open item, which `update_of` names)
    kind: Literal["commitment", "request", "marked", "confirm"] = "commitment"
    update_of: str | None = None


class ActionItems(BaseModel):
    items: list[ActionItemOut] = Field(default_factory=list)


class RuleVerdict(BaseModel):
    event_id: str
    triggered: bool
    confidence: float = Field(default=0.8, ge=0.0, le=1.0)
    reason: str | None = None


class RuleVerdicts(BaseModel):
    matches: list[RuleVerdict] = Field(default_factory=list)


def _answer(payload: dict[str, Any]) -> dict[str, Any]:
    return {"answer": extractive.answer(payload.get("prompt"), payload.get("text", ""))}


def _action_items(payload: dict[str, Any]) -> dict[str, Any]:
    from copilot.intelligence import understand
    from copilot.intelligence.extract import Turn

    today = payload.get("date")
    turn = Turn(
        payload.get("speaker"),
        tuple(payload.get("participants") or ()),
        payload.get("user_name"),
        payload.get("previous_speaker"),
    )
    found = understand.detect(
        payload.get("text", ""), turn, date.fromisoformat(today) if today else date.today()
    )
    return {
        "items": [
            {
                "text": c.text,
                "owner": c.owner,
                "due": c.due,
                "confidence": c.confidence,
                "kind": c.kind,
            }
            for c in found
        ]
    }


def _alert_rules(payload: dict[str, Any]) -> dict[str, Any]:
    text = payload.get("text", "")
    out = []
    for rule in payload.get("rules", []):
        m = rules.match_rule(rule["event_prompt"], text)
        out.append(
            {
                "event_id": rule["event_id"],
                "triggered": m.triggered,
                "confidence": m.confidence,
                "reason": m.reason,
            }
        )
    return {"matches": out}


ANSWER = register_task(
    Task(
        "answer",
        "You index a meeting transcript. Answer the user's prompt using only the transcript "
        "excerpt in input.text, in one or two short sentences. Do not repeat the excerpt.",
        Answer,
        _answer,
    )
)
ACTION_ITEMS = register_task(
    Task(
        "action_items",
        "Find action items in the meeting utterance input.text said by input.speaker (after "
        "input.previous_speaker): commitments ('I'll send it Friday': owner is the speaker), "
        "tasks assigned to someone ('Dana will …', 'Action item: …'), and requests ('Priya, "
        "could you …': owner is the person asked; unnamed, the other side of a two-person "
        "call or the previous speaker). input.user_name is the local user. Use "
        "input.participants for owner names (the transcript may misspell them). A reply that "
        "accepts or restates one of input.open_items is kind 'confirm' with update_of set to "
        "that item_id (and any new owner or due date), never a new item. Resolve due dates to "
        "ISO dates (YYYY-MM-DD) relative to input.date. Ignore small talk, questions about "
        "past work, hypotheticals, and lines that only read out a number or a secret. Return "
        "an empty list when there is none.",
        ActionItems,
        _action_items,
    )
)
ALERT_RULES = register_task(
    Task(
        "alert_rules",
        "For each rule in input.rules, decide whether the transcript text input.text matches "
        "what the rule's event_prompt describes. Return one verdict per rule with its event_id.",
        RuleVerdicts,
        _alert_rules,
    )
)
