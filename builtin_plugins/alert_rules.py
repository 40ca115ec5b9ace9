"""Builtin plugin: custom alert rules on index events (`index.create_alert(event_id)`).

For each `index` event (audio or visual) with enabled alerts on its `index_id`, the rules are
checked against the index text plus what it was derived from (the transcript batch or the
screen's OCR) by the `alert_rules` llm task: offline by phrases, regexes and keyword
similarity (copilot.intelligence.rules), with a model when `llm_model` is set. A match is an
`alert` event with the rule's label and `kind: "custom"`.
"""

from __future__ import annotations

from typing import Any

from copilot import hookimpl
from copilot.intelligence.alerts import rulebook


def check(event, session) -> list[dict[str, Any]] | None:
    from copilot.intelligence.tasks import RuleVerdicts
    from copilot.llm import LlmConfig, complete_json

    active = rulebook(session.runtime).active(event.index_id)
    if not active:
        return None
    if event.revision:
        return None  # a visual scene's end update repeats what was checked
    text = event.full_text
    rules = [
        {"event_id": r.event_id, "event_prompt": r.event_prompt, "label": r.label}
        for _, r in active
    ]
    settings = getattr(session.runtime, "settings", None)
    result = complete_json(
        None,
        RuleVerdicts,
        task="alert_rules",
        payload={"text": text, "rules": rules},
        config=LlmConfig.from_settings(settings),
    )
    verdicts = {v.event_id: v for v in result.value.matches}
    out = []
    for alert, rule in active:
        v = verdicts.get(rule.event_id)
        if v is None or not v.triggered:
            continue
        out.append(
            {
                "type": "alert",
                "label": rule.label,
                "triggered": True,
                "confidence": v.confidence,
                "kind": "custom",
                "event_id": rule.event_id,
                "alert_id": alert.alert_id,
                "text": event.text[:500],
                "rtstream_id": event.rtstream_id,
                "channel": event.channel,
                "start": event.start,
                "end": event.end,
            }
        )
    return out or None


@hookimpl
def copilot_index(event, session):
    return check(event, session)
