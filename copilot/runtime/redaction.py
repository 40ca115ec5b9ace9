"""Redaction (`redact_sensitive`, on by default): secrets never reach the log, plugins or clients.

Applied to transcript and index text as events are drafted, before they are persisted (the
visual indexer redacts screen text, keyframes and recordings itself, earlier). What a redacted
text said is kept in this process's memory only, for a short while (`clear_text`), so the
sensitive-content plugin alerts on the secret itself — which kind, which one (a masked tail),
one alert per secret — rather than on the `[REDACTED:kind]` markers left behind.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from copilot.events import Event

REDACTED_TYPES = frozenset({"transcript", "index"})
FIELDS = ("text", "source_text", "ocr_text")
MAX_CLEAR = 2000  # redacted texts remembered (an alert is decided right after the event)

_clear: OrderedDict[tuple[str, str], str] = OrderedDict()
_lock = threading.Lock()


def remember(session_id: str, redacted: str, clear: str) -> None:
    """`redacted` (as stored) was `clear` before redaction (memory only, bounded)."""
    if redacted == clear:
        return
    with _lock:
        _clear[(session_id, redacted)] = clear
        _clear.move_to_end((session_id, redacted))
        while len(_clear) > MAX_CLEAR:
            _clear.popitem(last=False)


def clear_text(session_id: str, text: str) -> str:
    """What `text` said before this process redacted it (else `text` itself)."""
    with _lock:
        return _clear.get((session_id, text), text)


def forget(session_id: str) -> None:
    with _lock:
        for key in [k for k in _clear if k[0] == session_id]:
            del _clear[key]


def redact_event(event: Event, min_confidence: float) -> Event:
    from copilot.intelligence.sensitive import redact

    update = {}
    # fields and extras read directly: `getattr` of a field a type lacks raises inside
    # pydantic, and this runs on every transcript stored
    fields = {**event.__dict__, **(event.__pydantic_extra__ or {})}
    for name in FIELDS:
        value = fields.get(name)
        if value:
            clean = redact(value, min_confidence=min_confidence)
            if clean != value:
                update[name] = clean
                remember(
                    event.capture_session_id, clean, clear_text(event.capture_session_id, value)
                )
    return event.model_copy(update=update) if update else event
