"""Builtin plugin: `action_item` events from final transcripts (and "Action item: …" on screen).

Offline by default: the intent model (MiniLM embedding + logistic regression, see
copilot.intelligence.intent) decides which sentences are action items or confirmations and
rules read task, owner and due date (copilot.intelligence.understand). A per-session
`MeetingItems` merges confirmations into the request they answer (same `item_id`, a higher
`revision`, status "confirmed"), and treats a transcript revision (same `utterance_id`,
higher `revision`) as replacing the earlier text: its items are updated or withdrawn, never
duplicated. With `llm_model` set, the utterances the offline model flags are also sent to
the model in the background (copilot.intelligence.upgrade); its answer, when valid and in
time, replaces the offline reading the same way. Third parties add extractors through the
`copilot_register_action_item_extractors` hook.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import date

from copilot import hookimpl
from copilot.intelligence import understand
from copilot.intelligence.action_items import EXTRACTORS, Candidate
from copilot.intelligence.extract import Turn
from copilot.intelligence.live import MeetingItems, item_event
from copilot.intelligence.meeting import MeetingInfo
from copilot.intelligence.sensitive import redact

log = logging.getLogger("copilot.action_items")
MAX_SESSIONS = 256


class _Sessions:
    """MeetingItems per capture session (bounded: the oldest session is forgotten first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, MeetingItems] = OrderedDict()

    def get(self, session) -> MeetingItems:
        with self._lock:
            meeting = self._items.get(session.id)
            if meeting is None:
                settings = getattr(session.runtime, "settings", None)
                min_conf = getattr(settings, "action_item_min_confidence", 0.6)
                info = MeetingInfo.from_session(session)
                meeting = self._items[session.id] = MeetingItems(info, session.id, min_conf)
                while len(self._items) > MAX_SESSIONS:
                    self._items.popitem(last=False)
            return meeting

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._items.pop(session_id, None)


_sessions = _Sessions()


def offline_extract(text: str, turn: Turn, today: date) -> list[Candidate]:
    """The builtin reader plus every registered extractor (a failing one is skipped)."""
    out = understand.detect(text, turn, today)
    for name, fn in list(EXTRACTORS.items()):
        try:
            found = fn(
                text, speaker=turn.speaker, participants=list(turn.participants), today=today
            )
        except Exception as exc:
            log.warning("action item extractor %s failed: %s", name, exc)
            continue
        for c in found:
            c.text = redact(c.text)
            out.append(c)
    return out


def marked_only(text: str, turn: Turn, today: date) -> list[Candidate]:
    """Screen text counts only when it is marked ("Action item: …", "TODO: …")."""
    from copilot.intelligence.extract import MARKED, read

    out = []
    for line in text.splitlines():
        if MARKED.match(line.strip()):
            parts = read(line.strip(), turn, today)
            if parts is not None:
                task = redact(parts.task)
                out.append(Candidate(task, parts.owner, parts.due, None, 0.9, line, "marked"))
    return out


@hookimpl
def copilot_transcript(event, session):
    if not event.is_final or not event.text.strip():
        return None
    meeting = _sessions.get(session)
    key = event.utterance_id or event.id
    items = meeting.hear(
        event.text,
        event.speaker,
        offline_extract,
        utterance_id=key,
        revision=event.revision,
        start=event.start,
        end=event.end,
    )
    from copilot.intelligence import upgrade

    upgrade.maybe_ask(meeting, event, session, key)
    return [item_event(i, event) for i in items] or None


@hookimpl
def copilot_index(event, session):
    """Marked screen text ("Action item: …") becomes an item. A scene's end update (same
    `scene_id`, revision 1) is a revision of the same place: it updates, never repeats."""
    if event.index_type != "visual" or not event.text:
        return None
    meeting = _sessions.get(session)
    text = event.ocr_text or event.source_text or event.text
    key = f"screen:{event.rtstream_id}:{event.scene_id or event.start}"
    items = meeting.hear(
        text, None, marked_only, utterance_id=key, revision=event.revision,
        start=event.start, end=event.end,
    )  # fmt: skip
    return [item_event(i, event) for i in items] or None


@hookimpl
def copilot_session_status(event, session):
    """A session that ended will get no more transcripts: drop its state."""
    if event.status in ("stopped", "failed", "exported"):
        _sessions.forget(session.id)
