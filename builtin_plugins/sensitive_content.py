"""Builtin plugin: `alert` events (label "sensitive_content") for secrets said or shown.

Runs the detectors of copilot.intelligence.sensitive on final transcripts and on visual index
text (OCR of the screen). Always local: sensitive text is never sent to a model. One alert per
secret per session (a screen shown for a minute alerts once); the alert's `text` is the
utterance with the secret redacted, so the alert itself does not leak it. Third parties add
detectors with `copilot.intelligence.sensitive.register_detector` / `register_pattern`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from copilot import hookimpl
from copilot.intelligence.sensitive import detect, redact, register_detector, register_pattern

__all__ = ["copilot_index", "copilot_transcript", "register_detector", "register_pattern"]
MAX_SEEN = 50_000


class _Seen:
    """(session, kind, value digest) already alerted; bounded, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    def first(self, session_id: str, kind: str, value: str) -> bool:
        norm = "".join(ch for ch in value.lower() if ch.isalnum())
        key = (session_id, kind, hashlib.sha256(norm.encode()).hexdigest()[:16])
        with self._lock:
            if key in self._keys:
                return False
            self._keys[key] = None
            while len(self._keys) > MAX_SEEN:
                self._keys.popitem(last=False)
            return True


_seen = _Seen()


def alerts_for(text: str, source, session) -> list[dict[str, Any]] | None:
    settings = getattr(getattr(session, "runtime", None), "settings", None)
    threshold = getattr(settings, "sensitive_min_confidence", 0.7)
    findings = detect(text, threshold)
    out = []
    for f in findings:
        if not _seen.first(session.id, f.kind, f.value or text[f.start : f.end]):
            continue
        out.append(
            {
                "type": "alert",
                "label": "sensitive_content",
                "triggered": True,
                "confidence": f.confidence,
                "kind": f.kind,
                "text": redact(text, findings)[:500],
                "rtstream_id": source.rtstream_id,
                "channel": source.channel,
                "start": source.start,
                "end": source.end,
            }
        )
    return out or None


@hookimpl
def copilot_transcript(event, session):
    if not event.is_final:
        return None
    return alerts_for(event.text, event, session)


@hookimpl
def copilot_index(event, session):
    """Screen text (the OCR source when there is one); audio index text repeats transcripts."""
    if event.index_type != "visual" or event.revision:
        return None  # a scene's end update (revision 1) repeats the text: no second alert
    return alerts_for(event.full_text, event, session)
