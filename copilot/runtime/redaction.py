"""Optional redaction (`redact_sensitive`): secrets never reach the log, plugins or clients.

Applied to transcript and index text as events are drafted, before they are persisted; the
sensitive-content plugin still alerts on the `[REDACTED:kind]` markers left behind.
"""

from __future__ import annotations

from copilot.events import Event

REDACTED_TYPES = frozenset({"transcript", "index"})
FIELDS = ("text", "source_text", "ocr_text")


def redact_event(event: Event, min_confidence: float) -> Event:
    from copilot.intelligence.sensitive import redact

    update = {}
    for name in FIELDS:
        value = getattr(event, name, None)
        if value:
            clean = redact(value, min_confidence=min_confidence)
            if clean != value:
                update[name] = clean
    return event.model_copy(update=update) if update else event
