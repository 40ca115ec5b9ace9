"""Action items across a meeting: stable ids, confirmations merged, revisions replaced.

A candidate is the same item as an earlier one when its task words overlap (a restatement),
or when it is the answer to a request: the person asked takes it on within a few turns
("Ines, could you pull the pricing sheet before Friday?" — "Yeah, I'll have it to you by
Friday"). A bare acceptance ("Sure, will do") confirms the latest open request made to its
speaker. Either way the item keeps its `item_id` and comes back with a higher `revision`
(status "confirmed", any new owner or due date); nothing new is emitted for a restatement that
changes nothing. "Actually, make that Thursday" moves a due date. When a transcript is
revised, the items that came from the earlier text are updated from the new text, or
withdrawn when it no longer says them.
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
# a pure correction of the last item's date: handled before reading the sentence for items
CORRECTION = re.compile(
    r"\b(?:make (?:that|it)|change (?:that|it) to|move (?:that|it) to|push (?:that|it)(?: back)? "
    r"to|correction)\b",
    re.I,
)
SAME_ITEM = 0.5
# what a reply is about, said first: "oh, on the physio referral, I can take that off you"
TOPIC = re.compile(
    r"(?i)^(?:(?:oh|so|and|okay|ok|right|yeah|actually|also),?\s+)*"
    r"(?:on|about|re|regarding|as for) (?:the |that |this )?(?P<topic>[\w' -]{3,40}?),"
)
NEAR_ITEM = 0.34  # the same owner within ANSWER_TURNS: looser wording still is the same item
ANSWER_TURNS = 4  # a reply this many turns after a request can take it on
CONFIRM_TURNS = 3  # a bare "sure, will do" this many turns after a request confirms it
OFFER_TURNS = 2  # "I can have it ready by Monday" this soon after one's own offer restates it


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
    status: str = "open"  # open | confirmed | withdrawn
    revision: int = 0
    turn: int = 0  # the meeting turn that raised it
    said_by: str | None = None  # who said it (an owner's own commitment is already accepted)
    named: bool = False  # the owner was named when it was said (not a guess at the addressee)


def task_key(text: str) -> list[str]:
    return [w for w in content_stems(text) if w not in DATE_WORDS]


def similarity(a: list[str], b: list[str]) -> float:
    s = overlap(a, b)
    if a and b and a[0] == b[0]:
        s += 0.15  # same leading verb: "send the budget" ~ "send the revised budget"
    return s


class ItemTracker:
    """One meeting's action items. Each method returns the item to emit, or None."""

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

    def live(self) -> list[Item]:
        return [i for i in self.items.values() if i.status != "withdrawn"]

    def match(self, text: str, exclude: set[str] = frozenset()) -> Item | None:
        """The live item whose task words `text` restates, if any."""
        key = task_key(text)
        best, score = None, 0.0
        for item in self.live():
            if item.item_id in exclude:
                continue
            s = similarity(key, self._keys[item.item_id])
            if s > score:
                best, score = item, s
        return best if score >= SAME_ITEM else None

    def open_request_for(self, person: str | None, turn: int, within: int) -> Item | None:
        """The latest unconfirmed request made to `person` in the last `within` turns."""
        for item in sorted(self.live(), key=lambda i: -i.turn):
            if turn - item.turn > within:
                break
            if item.kind == "request" and item.status == "open" and item.owner == person:
                return item
        return None

    def add(
        self,
        c: Candidate,
        *,
        speaker: str | None = None,
        turn: int = 0,
        start: float | None = None,
        end: float | None = None,
    ) -> Item | None:
        named = self.items.get(c.extras.get("update_of") or "")
        if named is not None and named.status != "withdrawn":  # a model said which item
            c = replace(c, kind="commitment") if c.kind == "confirm" else c
            return self._update(named, c, speaker, start, end, confirmed=True)
        if c.extras.get("points_back"):
            # "Can you get that done by tomorrow?": no task of its own, so it dates (and asks
            # again for) the latest item of the one asked; with none, it is nothing new
            target = self.latest_of(c.owner, turn)
            if target is None:
                return None
            c = replace(c, text=target.text, kind=target.kind)
            return self._update(target, c, speaker, start, end)
        if c.kind == "confirm":
            takes_on = bool(c.extras.get("takes_on"))
            topic = c.extras.get("topic")
            target = (self.about(c.source, topic) if takes_on else None) or self.answered(
                speaker, turn, takes_on
            )
            if target is not None:
                # "Who's talking to the auditors?" — "Me, I'll call them on Monday": the one
                # who takes an open call says what they will do
                said = c.text if c.extras.get("says_what") and target.owner is None else None
                return self.confirm(speaker, c.due, turn, start, end, target=target, text=said)
            if not c.text or (not takes_on and self.open_request_for(speaker, turn, 99)):
                return None  # "that one's mine" with nothing to claim: no task of its own
            c = replace(c, kind="commitment")  # nothing asked of the speaker: a commitment
        old = self.match(c.text)
        if old is None and c.kind == "commitment" and c.owner and c.owner == speaker:
            old = self.open_request_for(speaker, turn, ANSWER_TURNS)
        if old is None and c.owner:
            old = self.near(c, turn)
        if old is None:
            if c.confidence < self.min_confidence:
                return None
            item = Item(
                self._new_id(c.text),
                c.text,
                c.owner,
                c.due,
                c.confidence,
                c.kind,
                start,
                end,
                turn=turn,
                said_by=speaker,
                named=bool(c.owner) and c.owner.lower() in (c.source or "").lower(),
            )
            self.items[item.item_id] = item
            self._keys[item.item_id] = task_key(c.text)
            return item
        return self._update(old, c, speaker, start, end)

    def about(self, sentence: str | None, topic_said: str | None = None) -> Item | None:
        """The live item a reply names as its topic first ("on the physio referral, …"), or
        names as what it takes over (`topic_said`: "take Hendry off your hands")."""
        m = TOPIC.match((sentence or "").strip())
        topic = set(task_key(topic_said or "")) or set(task_key(m.group("topic") if m else ""))
        if not topic:
            return None
        for item in sorted(self.live(), key=lambda i: -i.turn):
            if topic <= set(self._keys[item.item_id]):
                return item
        return None

    def latest_of(self, owner: str | None, turn: int) -> Item | None:
        """The newest live item of `owner` (any owner when None) a few turns back."""
        for item in sorted(self.live(), key=lambda i: -i.turn):
            if turn - item.turn > ANSWER_TURNS:
                return None
            if owner is None or item.owner == owner:
                return item
        return None

    def near(self, c: Candidate, turn: int) -> Item | None:
        """A live item of the same owner a few turns away that `c` loosely restates: the reply
        to a request, or a request heard after its reply (channels arrive out of order)."""
        key, best, score = task_key(c.text), None, 0.0
        for item in self.live():
            if item.owner != c.owner or abs(turn - item.turn) > ANSWER_TURNS:
                continue
            other = self._keys[item.item_id]
            shared = set(key) & set(other) - ({key[0]} if key and other[:1] == key[:1] else set())
            s = overlap(key, other) if shared else 0.0  # sharing more than the verb
            if s > score:
                best, score = item, s
        return best if score >= NEAR_ITEM else None

    def _update(self, old: Item, c: Candidate, speaker, start, end, confirmed=False):
        takes_on = speaker is not None and (c.owner or old.owner) == speaker
        confirmed = confirmed or (takes_on and c.kind == "commitment")
        late_request = c.kind == "request" and old.kind != "request"
        if late_request and old.said_by is not None and old.said_by == old.owner:
            confirmed = True  # the owner had already said they would
        # a request made to someone names the item, whichever of request and reply arrives
        # first (channels are transcribed in parallel); an open call ("could someone …") is
        # named by whoever takes it on
        volunteered = c.kind == "commitment" and old.kind == "request" and old.owner is None
        new = replace(
            old,
            text=c.text if volunteered or (late_request and c.owner) else old.text,
            kind="commitment" if volunteered else ("request" if late_request else old.kind),
            owner=c.owner or old.owner,
            due=c.due or old.due,
            confidence=max(old.confidence, c.confidence),
            status="confirmed" if confirmed else old.status,
            start=start if start is not None else old.start,
            end=end if end is not None else old.end,
        )
        return self._store(old, new)

    def answered(self, speaker: str | None, turn: int, takes_on: bool = False) -> Item | None:
        """What an acceptance by `speaker` answers: the latest open request made to them;
        else the latest open request someone else made without naming who should do it (an
        open call, or a guessed addressee: whoever accepts is the one asked); for a take-on
        ("I can have it ready by Monday") also the speaker's own offer just made."""
        if not speaker:
            return None
        item = self.open_request_for(speaker, turn, CONFIRM_TURNS)
        if item is not None:
            return item
        within = ANSWER_TURNS if takes_on else CONFIRM_TURNS
        for item in sorted(self.live(), key=lambda i: -i.turn):
            if turn - item.turn > within:
                break
            if takes_on and item.owner == speaker and turn - item.turn <= OFFER_TURNS:
                return item  # "Me, I'll put it together." — "I can have a draft by Friday."
            if item.said_by == speaker:
                offered = item.owner == speaker and item.kind == "commitment"
                if takes_on and offered and turn - item.turn <= OFFER_TURNS:
                    return item  # "would it help if I …?" — "yes please" — "I can have it …"
                continue
            if item.kind == "request" and item.status == "open" and not item.named:
                return item
        if takes_on:  # "I'll pay it." — "Actually, I can do it right now.": taken over
            latest = max(self.live(), key=lambda i: i.turn, default=None)
            if latest is not None and turn - latest.turn <= 1:
                return latest
        return None

    def confirm(
        self,
        speaker: str | None,
        due: date | None,
        turn: int,
        start=None,
        end=None,
        target: Item | None = None,
        text: str | None = None,
    ) -> Item | None:
        """An acceptance: the item it answers (`answered`) is confirmed, owned by the one
        who accepted it (and said as `text`, when given)."""
        item = target or self.answered(speaker, turn)
        if item is None:
            return None
        new = replace(item, status="confirmed", due=due or item.due, owner=speaker or item.owner)
        if text:
            new = replace(new, text=text)
        if start is not None:
            new = replace(new, start=start, end=end)
        return self._store(item, new)

    def amend(self, text: str, today: date, start: float | None = None) -> Item | None:
        """A correction without a new commitment ("actually, make that Thursday")."""
        if not self.live() or not AMEND.search(text):
            return None
        due, _ = resolve_due(text, today)
        if due is None:
            return None
        target = self.match(text) or self.live()[-1]
        return self._store(target, replace(target, due=due))

    def revise(self, item_id: str, c: Candidate | None) -> Item | None:
        """A revised transcript says `c` where it said item `item_id` (None: no longer)."""
        old = self.items.get(item_id)
        if old is None or old.status == "withdrawn":
            return None
        if c is None:
            return self._store(old, replace(old, status="withdrawn"))
        new = replace(old, text=c.text, owner=c.owner or old.owner, due=c.due or old.due)
        return self._store(old, new)

    def _store(self, old: Item, new: Item) -> Item | None:
        if (new.text, new.owner, new.due, new.status) == (old.text, old.owner, old.due, old.status):
            return None  # a restatement: nothing new to say
        new = replace(new, revision=old.revision + 1)
        self.items[new.item_id] = new
        self._keys[new.item_id] = task_key(new.text)
        return new
