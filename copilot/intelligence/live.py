"""One meeting's action items as transcripts arrive: turns, revisions, the tracker.

`MeetingItems.hear(text, speaker, utterance_id=…, revision=…)` is what the action_items
plugin (and bench/quality.py) calls for each final utterance. It keeps who spoke last (the
addressee of an unnamed request), counts turns (how far back a reply may answer), and
remembers which items each utterance raised, so that a later revision of the same
utterance updates or withdraws them instead of adding duplicates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from copilot.intelligence.action_items import Candidate
from copilot.intelligence.extract import Turn
from copilot.intelligence.meeting import MeetingInfo
from copilot.intelligence.tracker import CORRECTION, Item, ItemTracker, similarity, task_key

Extractor = Callable[[str, Turn, date], list[Candidate]]  # text, turn, session date
PAIR_MIN = 0.3  # a revised item this close to the earlier one is that item
CONTEXT = 2  # utterances kept as context for the next one


@dataclass
class Heard:
    revision: int
    turn: int
    speaker: str | None
    previous: str | None
    raised: list[str] = field(default_factory=list)
    context: tuple[str, ...] = ()  # what was said just before (pronouns point back into it)


class MeetingItems:
    def __init__(self, info: MeetingInfo, session_id: str = "", min_confidence: float = 0.6):
        self.info = info
        self.tracker = ItemTracker(session_id, min_confidence)
        self.turns = 0
        self.last_speaker: str | None = None
        self.heard: dict[str, Heard] = {}
        self.recent: list[str] = []  # the last CONTEXT utterances' newest text
        self._lock = threading.RLock()  # the plugin's thread and model answers both write

    def speaker_name(self, speaker: str | None) -> str | None:
        """ "me" is the user (or "me" when the user has no name); others are matched."""
        name = self.info.speaker_name(speaker)
        return name or ("me" if speaker == "me" else None)

    def turn_for(
        self, speaker: str | None, previous: str | None, context: tuple[str, ...] = ()
    ) -> Turn:
        return Turn(speaker, tuple(self.info.participants), self.info.user_name, previous, context)

    def hear(
        self,
        text: str,
        speaker: str | None,
        extract: Extractor,
        *,
        utterance_id: str | None = None,
        revision: int = 0,
        start: float | None = None,
        end: float | None = None,
    ) -> list[Item]:
        """Items to emit (new or changed) for one final utterance or a revision of one."""
        with self._lock:
            earlier = self.heard.get(utterance_id) if utterance_id else None
            if earlier is not None and revision <= earlier.revision:
                return []  # a repeat or an older revision: the newest text already counted
            if earlier is None:
                record = self._new_turn(speaker, revision)
                if utterance_id:
                    self.heard[utterance_id] = record
                self.recent = [*self.recent, text][-CONTEXT - 1 :]
            else:
                record = earlier
                record.revision = revision
            if earlier is None and CORRECTION.search(text):
                item = self.tracker.amend(text, self.info.day)
                if item is not None:
                    return [item]
            found = extract(
                text, self.turn_for(record.speaker, record.previous, record.context), self.info.day
            )
            out = self._apply(record, found, replacing=earlier is not None, start=start, end=end)
            if not out and earlier is None:
                item = self.tracker.amend(text, self.info.day)
                if item is not None:
                    out.append(item)
            return out

    def reread(
        self, utterance_id: str, revision: int, found: list[Candidate], start=None, end=None
    ) -> list[Item]:
        """Another reading of an utterance already heard (a model's answer arriving later)
        replaces what the first reading raised; ignored if the text was revised since."""
        with self._lock:
            record = self.heard.get(utterance_id)
            if record is None or record.revision != revision:
                return []
            return self._apply(record, found, replacing=True, start=start, end=end)

    def context(self, utterance_id: str | None) -> Turn | None:
        record = self.heard.get(utterance_id) if utterance_id else None
        return self.turn_for(record.speaker, record.previous, record.context) if record else None

    def open_items(self, limit: int = 8) -> list[Item]:
        with self._lock:
            live = [i for i in self.tracker.live() if i.status != "withdrawn"]
            return live[-limit:]

    def _new_turn(self, speaker: str | None, revision: int) -> Heard:
        name = self.speaker_name(speaker)
        self.turns += 1
        previous = self.last_speaker if self.last_speaker != name else None
        if name is not None:
            self.last_speaker = name
        return Heard(revision, self.turns, name, previous, context=tuple(self.recent[-CONTEXT:]))

    def _apply(self, record: Heard, found, *, replacing: bool, start, end) -> list[Item]:
        out: list[Item] = []
        if replacing:
            found = self._revise(record, found, out)
        for c in found:
            item = self.tracker.add(
                c, speaker=record.speaker, turn=record.turn, start=start, end=end
            )
            if item is not None:
                out.append(item)
                if item.revision == 0:
                    record.raised.append(item.item_id)
        return out

    def _revise(self, record: Heard, found: list[Candidate], out: list[Item]) -> list[Candidate]:
        """Pair the items the earlier text raised with the new candidates; returns the rest."""
        keep = self.tracker.min_confidence
        left = [c for c in found if c.kind != "confirm" and c.confidence >= keep]
        rest = [c for c in found if c.kind == "confirm"]
        for item_id in list(record.raised):
            key = task_key(self.tracker.items[item_id].text)
            scored = [(similarity(key, task_key(c.text)), c) for c in left]
            best = max(scored, key=lambda sc: sc[0], default=(0.0, None))
            if best[1] is None or (best[0] < PAIR_MIN and len(left) > 1):
                pick = None
            else:
                pick = best[1]
                left.remove(pick)
            changed = self.tracker.revise(item_id, pick)
            if pick is None:
                record.raised = [i for i in record.raised if i != item_id]
            if changed is not None:
                out.append(changed)
        return left + rest


def item_event(item: Item, source: Any) -> dict[str, Any]:
    """The `action_item` event for an item; `source` gives rtstream_id and channel."""
    return {
        "type": "action_item",
        "item_id": item.item_id,
        "text": item.text,
        "owner": item.owner,
        "due": item.due.isoformat() if isinstance(item.due, date) else None,
        "confidence": item.confidence,
        "status": item.status,
        "revision": item.revision,
        "rtstream_id": source.rtstream_id,
        "channel": source.channel,
        "start": item.start,
        "end": item.end,
    }
