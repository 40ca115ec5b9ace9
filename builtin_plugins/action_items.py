"""Builtin plugin: `action_item` events from final transcripts (and "Action item: …" on screen).

Each final utterance goes to the `action_items` llm task — offline by default (copilot.
intelligence.action_items), a real model when `llm_model` is set; a model that fails falls
back offline. A per-session tracker gives each item a stable `item_id`, drops duplicates and
re-emits amended items under the same id. Owners are fuzzy-matched to the participants
(session metadata `participants`/`user_name`, or settings `meeting_participants`/`user_name`).
Third parties add extractors through the `copilot_register_action_item_extractors` hook.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from copilot import hookimpl
from copilot.intelligence.action_items import EXTRACTORS, Candidate
from copilot.intelligence.meeting import MeetingInfo
from copilot.intelligence.owners import resolve_owner
from copilot.intelligence.sensitive import redact
from copilot.intelligence.tracker import Item, ItemTracker

log = logging.getLogger("copilot.action_items")
MAX_SESSIONS = 256


class _Sessions:
    """Trackers per capture session (bounded: the oldest session is forgotten first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, ItemTracker] = OrderedDict()

    def get(self, session_id: str, min_confidence: float) -> ItemTracker:
        with self._lock:
            tracker = self._items.get(session_id)
            if tracker is None:
                tracker = self._items[session_id] = ItemTracker(session_id, min_confidence)
                while len(self._items) > MAX_SESSIONS:
                    self._items.popitem(last=False)
            return tracker

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._items.pop(session_id, None)


_sessions = _Sessions()


def candidates(text: str, speaker: str | None, info: MeetingInfo, settings: Any) -> list[Candidate]:
    """Ask the `action_items` task (model or offline), then any registered extractors."""
    from copilot.intelligence.tasks import ActionItems
    from copilot.llm import LlmConfig, complete_json

    payload = {
        "text": text,
        "speaker": speaker,
        "participants": info.participants,
        "date": info.day.isoformat(),
    }
    result = complete_json(
        None,
        ActionItems,
        task="action_items",
        payload=payload,
        config=LlmConfig.from_settings(settings),
    )
    out = []
    for it in result.value.items:
        owner = resolve_owner(it.owner, info.participants) if it.owner else None
        task = redact(it.text)  # an item never repeats a secret said in the same breath
        out.append(Candidate(task, owner, it.due, None, it.confidence, text, it.kind))
    for name, fn in list(EXTRACTORS.items()):
        try:
            out.extend(fn(text, speaker=speaker, participants=info.participants, today=info.day))
        except Exception as exc:
            log.warning("action item extractor %s failed: %s", name, exc)
    return out


def _event(item: Item, source) -> dict[str, Any]:
    return {
        "type": "action_item",
        "item_id": item.item_id,
        "text": item.text,
        "owner": item.owner,
        "due": item.due.isoformat() if isinstance(item.due, date) else None,
        "confidence": item.confidence,
        "rtstream_id": source.rtstream_id,
        "channel": source.channel,
        "start": item.start,
        "end": item.end,
    }


def process(text: str, speaker: str | None, source, session, only_marked: bool = False):
    settings = getattr(session.runtime, "settings", None)
    info = MeetingInfo.from_session(session)
    min_conf = getattr(settings, "action_item_min_confidence", 0.6)
    tracker = _sessions.get(session.id, min_conf)
    out = []
    found = candidates(text, info.speaker_name(speaker), info, settings)
    if only_marked:
        found = [c for c in found if c.kind == "marked"]
    for c in found:
        item = tracker.add(c, source.start, source.end)
        if item is not None:
            out.append(_event(item, source))
    if not found:
        item = tracker.amend(text, info.day, source.start)
        if item is not None:
            out.append(_event(item, source))
    return out or None


@hookimpl
def copilot_transcript(event, session):
    if not event.is_final or not event.text.strip():
        return None
    return process(event.text, event.speaker, event, session)


@hookimpl
def copilot_index(event, session):
    """Screen text counts only when it is marked ("Action item: …", "TODO: …")."""
    if event.index_type != "visual" or not event.text or event.revision:
        return None
    text = event.ocr_text or event.source_text or event.text
    return process(text, None, event, session, only_marked=True)


@hookimpl
def copilot_session_status(event, session):
    """A session that ended will get no more transcripts: drop its tracker."""
    if event.status in ("stopped", "failed", "exported"):
        _sessions.forget(session.id)
