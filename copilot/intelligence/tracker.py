"""Action items across a meeting: stable ids, duplicates merged, amendments re-emitted.

A new candidate that overlaps an earlier item (same task words) is the same item: if it adds
or changes the owner, due date or wording it is an amendment and comes back with the earlier
`item_id`; if it adds nothing it is a duplicate and nothing is emitted. "Actually, make that
Thursday" moves the due date of the item it names (or else the latest one).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date

from copilot.intelligence.action_items import Candidate
from copilot.intelligence.dates import MONTHS, WEEKDAYS, resolve_due
from copilot.intelligence.textutil import content_stems, overlap

DATE_WORDS = {*WEEKDAYS, *MONTHS, "tomorrow", "today", "week", "month", "next", "end"}
AMEND = re.compile(
    r"\b(?:actually|instead|make (?:that|it)|change (?:that|it|the \w+) to|move (?:that|it|the \w+)"
    r" to|push (?:that|it|the \w+)(?: back)? to|let'?s say|correction)\b",
    re.I,
)
SAME_ITEM = 0.5


@dataclass(frozen=True)
class Item:
    item_id: str
    text: str
    owner: str | None
    due: date | None
    confidence: float
    kind: str
    start: float | None = None
    end: float | None = None


def task_key(text: str) -> list[str]:
    return [w for w in content_stems(text) if w not in DATE_WORDS]


class ItemTracker:
    """One meeting's action items. `add` returns the item to emit (new or amended) or None."""

    def __init__(self, session_id: str = "", min_confidence: float = 0.6) -> None:
        self.session_id = session_id
        self.min_confidence = min_confidence
        self.items: dict[str, Item] = {}
        self._keys: dict[str, list[str]] = {}

    def _new_id(self, text: str) -> str:
        base = f"{self.session_id}:{' '.join(task_key(text))}"
        n = 0
        while True:
            digest = hashlib.sha1(f"{base}:{n}".encode()).hexdigest()[:12]
            if f"ai-{digest}" not in self.items:
                return f"ai-{digest}"
            n += 1

    def match(self, text: str) -> Item | None:
        key = task_key(text)
        best, score = None, 0.0
        for item_id, k in self._keys.items():
            s = overlap(key, k)
            if key and k and key[0] == k[0]:
                s += 0.15  # same leading verb: "send the budget" ~ "send the revised budget"
            if s > score:
                best, score = self.items[item_id], s
        return best if score >= SAME_ITEM else None

    def add(
        self, c: Candidate, start: float | None = None, end: float | None = None
    ) -> Item | None:
        old = self.match(c.text)
        if old is None:
            if c.confidence < self.min_confidence:
                return None
            item = Item(
                self._new_id(c.text), c.text, c.owner, c.due, c.confidence, c.kind, start, end
            )
            self.items[item.item_id] = item
            self._keys[item.item_id] = task_key(c.text)
            return item
        better_text = c.kind == "commitment" and old.kind != "commitment"
        new = replace(
            old,
            text=c.text if better_text else old.text,
            owner=c.owner or old.owner,
            due=c.due or old.due,
            confidence=max(old.confidence, c.confidence),
            kind="commitment" if better_text else old.kind,
            start=start if start is not None else old.start,
            end=end if end is not None else old.end,
        )
        return self._store(old, new)

    def amend(self, text: str, today: date, start: float | None = None) -> Item | None:
        """A correction without a new commitment ("actually, make that Thursday")."""
        if not self.items or not AMEND.search(text):
            return None
        due, _ = resolve_due(text, today)
        if due is None:
            return None
        target = self.match(text) or list(self.items.values())[-1]
        return self._store(target, replace(target, due=due, start=start or target.start))

    def _store(self, old: Item, new: Item) -> Item | None:
        if (new.text, new.owner, new.due) == (old.text, old.owner, old.due):
            return None  # a duplicate: nothing new to say
        self.items[new.item_id] = new
        self._keys[new.item_id] = task_key(new.text)
        return new
