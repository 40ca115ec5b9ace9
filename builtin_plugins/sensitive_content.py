"""Builtin plugin: `alert` events (label "sensitive_content") for secrets said or shown.

Runs the detectors of copilot.intelligence.sensitive on final transcripts and on visual index
text (OCR of the screen), by context as well as by checksum: a card, account number, PIN or
password read out after saying what it is is flagged even when ASR garbles the digits, and a
reply that is only a number right after someone asked for a PIN is that PIN; talk *about*
passwords is not. Always local: sensitive text is never sent to a model.

Alerts are deduplicated by what was found and where (copilot.intelligence.secret_alerts):
one alert per secret per session, and per utterance (with all its transcript revisions) or
screen scene (with its updates) no second alert for a secret already alerted. Each alert says
which secret (`kind` and a masked `hint`, e.g. "ending 4242") and where (channel and time, in
`text` too), and its `text` never repeats the value. Third parties add detectors with
`copilot.intelligence.sensitive.register_detector` / `register_pattern`.

With `redact_sensitive` (the default) the stored text holds `[REDACTED:kind]` markers; the
alert is decided on what was said or shown before redaction (copilot.runtime.redaction keeps
it in memory for a moment), so two different keys are two alerts, each with its own hint.
"""

from __future__ import annotations

from typing import Any

from copilot import hookimpl
from copilot.intelligence.secret_alerts import SecretAlerts
from copilot.intelligence.sensitive import (
    REDACTED,
    detect,
    redact,
    register_detector,
    register_pattern,
)
from copilot.runtime.redaction import clear_text, forget

__all__ = ["copilot_index", "copilot_transcript", "register_detector", "register_pattern"]
SHOWN = {"index": "shown", "transcript": "read out"}

_alerts: dict[float, SecretAlerts] = {}


def _book(threshold: float) -> SecretAlerts:
    book = _alerts.get(threshold)
    if book is None:
        book = _alerts.setdefault(threshold, SecretAlerts(threshold))
    return book


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


def alerts_for(text: str, source, session, place) -> list[dict[str, Any]] | None:
    settings = getattr(getattr(session, "runtime", None), "settings", None)
    threshold = getattr(settings, "sensitive_min_confidence", 0.7)
    book = _book(threshold)
    found = book.check(session.id, text, place)
    if not found:
        return None
    spans = [f for a in found for f in a.findings]
    clean = redact(text, [*spans, *detect(text, threshold)])[:400]
    verb = SHOWN.get(source.type, "seen")
    out = []
    for a in found:
        where = f"on {source.channel or 'the session'} at {_clock(source.start)}"
        out.append(
            {
                "type": "alert",
                "label": "sensitive_content",
                "triggered": True,
                "confidence": a.confidence,
                "kind": a.kind,
                "hint": a.hint,
                "text": f"{a.label[:1].upper()}{a.label[1:]} ({a.hint}) {verb} {where}: {clean}",
                "rtstream_id": source.rtstream_id,
                "channel": source.channel,
                "start": source.start,
                "end": source.end,
            }
        )
    return out


def said(session_id: str, *texts: str | None) -> str:
    """The texts as said or shown: each as it was before redaction where this process
    redacted it; where any was recovered, the markers left in the others (a description
    quoting the same screen) are dropped so one secret is not alerted twice."""
    parts = [t for t in texts if t]
    clear = [clear_text(session_id, t) for t in parts]
    if clear != parts:
        clear = [REDACTED.sub("", c) if c == t else c for c, t in zip(clear, parts, strict=True)]
    return "\n".join(clear)


@hookimpl
def copilot_transcript(event, session):
    if not event.is_final:
        return None
    place = ("utterance", event.utterance_id or event.id)
    return alerts_for(said(session.id, event.text), event, session, place)


@hookimpl
def copilot_index(event, session):
    """Screen text (text + OCR); audio index text repeats transcripts. A scene is one place
    (its `scene_id`): its end update (revision 1) alerts only on a secret the first event did
    not show."""
    if event.index_type != "visual":
        return None
    place = ("scene", event.rtstream_id, event.scene_id or event.start)
    text = said(session.id, event.text, event.ocr_text or event.source_text)
    return alerts_for(text, event, session, place)


@hookimpl
def copilot_session_status(event, session):
    if event.status in ("stopped", "failed", "exported"):
        for book in list(_alerts.values()):
            book.forget(session.id)
        forget(session.id)
