"""Who does what by when, for a sentence the intent model called an action item.

The model decides *whether* a sentence is an action item (copilot.intelligence.intent); this
module reads the parts, with rules that are precise for them: the task (the verb phrase
after the commitment or request opener, without the due-date phrase and trailing chatter),
the owner (the speaker for "I'll …", a named subject for "Dana will …", the addressee for a
request: a name said with it, else the other side of a 1:1 call, else the person who spoke
last), and the due date (copilot.intelligence.dates, against the session date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from copilot.intelligence.dates import resolve_due
from copilot.intelligence.owners import NOT_NAMES, match_name

FILLER = (
    r"(?:so|okay|ok|alright|all right|right|and|also|then|great|good|perfect|thanks|thank you|"
    r"sure(?: thing)?|yes|yeah|yep|yup|well|now|oh|um|uh|hey|hi|fine|cool|nice|lovely|"
    r"absolutely|of course|definitely|no problem|no worries|got it|sounds good|will do|"
    r"happy to|fair|sorry|anyway|agreed|not yet|done)"
)
LEAD = re.compile(rf"^(?:{FILLER}\b[,.!]?\s*)+", re.I)
NAME = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
VOCATIVE_LEAD = re.compile(rf"^(?P<name>{NAME}),\s+")
VOCATIVE_TAIL = re.compile(rf",\s*(?P<name>{NAME})\s*[?.!]*$")
ASKS = [
    r"(?:can|could|would|will) (?:you|u)(?: two| both)?(?: (?:also|please|maybe|just|perhaps))*"
    r" (?:be able to |mind |possibly )?",
    r"(?:would|do) you mind ",
    r"any chance you could ",
    r"(?:i|we) (?:need|want|'d like|would like) (?:you|you two|you both) to (?:also )?",
    r"(?:can|may) i ask you to ",
    r"(?:when you get a (?:minute|chance|sec(?:ond)?),? )?(?:could|can) you ",
    r"please,? (?:(?:also|just|do|go ahead and) )?",
    r"(?:remember|don't forget|make sure) to ",
]
TELLS = [
    r"you(?:'ll| will| are going to|'re going to|'re| are) (?:also |then )?",
    r"you said you(?:'d| would| will|'ll) ",
]
COMMITS = [
    r"(?:i|we)(?:'ll| will| shall|'m going to| am going to|'re going to| are going to|'m gonna|"
    r" am gonna| can| could|'d| would) (?:also |just |then |definitely |certainly |happily )*"
    r"(?:go ahead and |make sure to |make sure |try to |try and |need to |have to )?",
    r"(?:i|we) (?:need|have|plan|intend|promise|want) to ",
    r"(?:i'm|i am|we're|we are) (?:on the hook for|responsible for|in charge of|handling|"
    r"taking) ",
    r"let me (?:take |handle |do )?",
    r"leave (?:it|that|the \w+) with me,? (?:i'll )?",
    r"(?:i'm|i am) (?=\w+ing\b)(?!going\b|being\b)",
    r"my plan is to ",
]
THIRD = [
    r"(?P<name>{n})(?:'s| is| will| are| has to| needs to| should| must| shall)(?: also)?"
    r"(?: going to| gonna| be)? ",
    r"(?P<name>{n}) (?:said|says|promised|agreed|offered|volunteered)(?: that)? (?:she|he|they)"
    r"(?:'d| would| will|'ll) ",
    r"(?P<name>{n}) (?:agreed|offered|volunteered|promised) to ",
    r"(?P<name>{n}) to ",
    r"(?i:let's|let us|we'll|can we) (?i:have|get|ask) (?P<name>{n})(?: to)? ",
    r"(?i:next step|the plan|action|the task|todo|to-do|action item)s?(?i: is| will be)?"
    r"(?: for)? (?P<name>{n}) to ",
]
MARKED = re.compile(
    rf"^(?i:action item|todo|to-do|follow[- ]up|next steps?)s?(?: (?i:for) (?P<name>{NAME}))?"
    r"\s*[:\-]\s*"
)
ASK_RX = re.compile("|".join(f"(?:{p})" for p in ASKS), re.I)
TELL_RX = re.compile("|".join(f"(?:{p})" for p in TELLS), re.I)
_COMMIT_RX = re.compile("|".join(f"(?:{p})" for p in COMMITS), re.I)
_THIRD_RX = [re.compile(p.format(n=NAME)) for p in THIRD]
SOMEONE = re.compile(
    r"\b(?:someone|somebody|anyone|a volunteer|one of you)\b(?: (?:to|will|can|could))?\s*", re.I
)
TRAILING = re.compile(
    r"(?:,\s*|\s+)(?:and then|but|so that|because|since|unless|if|once|okay|ok|right|yeah|yes|"
    r"please|thanks|thank you|for the record|as well|by the way|in the meantime|"
    r"when you get a chance|if you can|if possible|if that works|that'll be|it'll be|"
    r"which|though)\b.*$|,\s*(?:and|so)\s+(?:i|we|you|it|that|they|he|she)\b.*$",
    re.I,
)
TAG = re.compile(r",?\s*(?:okay|ok|right|alright|yeah|yes|sound good|does that work)\s*\?*$", re.I)
DUE_LEAD = (
    r"(?:,\s*)?(?:\s*\b(?:by|before|on|until|due|no later than|for|in|within|at)\b)?"
    r"\s*(?:\bthe\s+)?"
)
MIN_TASK_WORDS = 2
NOT_IMPERATIVE = re.compile(
    r"(?i)^(?:the|a|an|this|that|these|those|it|its|it's|we|we're|they|they're|he|she|there|"
    r"our|my|your|their|his|her|i|i'm|you|you're|what|who|why|how|when|where|which|is|are|"
    r"was|were|do|does|did|has|have|had|can|could|would|should|will|[A-Z]\w+ (?:is|are|was))\b"
)
BOUNDARY = re.compile(r"(?:[,;:]|\b(?:and|so|then|but))\s*$", re.I)


@dataclass
class Parts:
    """What `read` found: role is commitment (the subject will do it), request (someone is
    asked to) or confirm (an acceptance without a task of its own)."""

    task: str
    owner: str | None
    due: date | None
    role: str
    due_phrase: str | None = None
    extras: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """Who speaks and who is around: what owners are resolved against."""

    speaker: str | None  # the speaker's name ("me" if the user has no name), or None
    participants: tuple[str, ...] = ()
    user_name: str | None = None
    previous: str | None = None  # the last other person who spoke, if known

    def other_side(self) -> str | None:
        """The one other person in a two-person call (relative to the speaker)."""
        me = self.user_name or "me"
        people = [p for p in self.participants if p != self.user_name]
        if len(people) != 1 or self.speaker is None:
            return None
        if self.speaker == me:
            return people[0]
        return me if self.speaker == people[0] else None


def name_of(raw: str | None, turn: Turn) -> str | None:
    """A spoken name → a participant (fuzzy); a name is kept as said when no roster is known."""
    if not raw or raw.lower() in NOT_NAMES:
        return None
    found = match_name(raw, list(turn.participants))
    if found:
        return found
    return None if turn.participants else raw


def _addressee(sentence: str, whole: str, turn: Turn) -> str | None:
    for rx, text in ((VOCATIVE_LEAD, sentence), (VOCATIVE_TAIL, sentence)):
        m = rx.search(LEAD.sub("", text))
        if m and name_of(m.group("name"), turn):
            return name_of(m.group("name"), turn)
    m = VOCATIVE_LEAD.search(LEAD.sub("", whole))
    if m and name_of(m.group("name"), turn):
        return name_of(m.group("name"), turn)
    other = turn.other_side()
    if other:
        return other
    if turn.previous and turn.previous != turn.speaker:
        return turn.previous
    return None


def clean_task(rest: str, today: date) -> tuple[str, date | None, str | None]:
    """Trim a verb phrase to the task; returns (task, due, due phrase)."""
    rest = rest.strip().rstrip("?.!")
    due, phrase = resolve_due(rest, today)
    rest = VOCATIVE_TAIL.sub("", rest)
    rest = TAG.sub("", rest)
    if phrase:
        cut = re.sub(DUE_LEAD + re.escape(phrase) + r"\b", " ", rest, count=1, flags=re.I)
        if len(cut.split()) >= MIN_TASK_WORDS:
            rest = cut
    rest = TRAILING.sub("", rest)
    rest = re.sub(r"\s+", " ", rest).strip(" ,;:-")
    return rest, due, phrase


def read(sentence: str, turn: Turn, today: date, whole: str | None = None) -> Parts | None:
    """The task, owner, due date and role of one sentence, or None if no task is found."""
    whole = whole or sentence
    body = LEAD.sub("", sentence.strip())
    voc = VOCATIVE_LEAD.match(body)
    if voc and name_of(voc.group("name"), turn):
        body = body[voc.end() :]
        body = LEAD.sub("", body)
    marked = MARKED.match(body)
    if marked:  # "Action item: Dana to update the wiki", "Action item for Dana: …"
        parts = read(body[marked.end() :], turn, today, whole)
        named = name_of(marked.group("name"), turn) if marked.group("name") else None
        if parts is not None and named and parts.role == "request":
            parts.owner = named
        return parts
    for rx, role in ((ASK_RX, "request"), (TELL_RX, "request")):
        m = rx.match(body)
        if m:
            task, due, phrase = clean_task(body[m.end() :], today)
            return _parts(task, _addressee(sentence, whole, turn), due, role, phrase)
    for rx in _THIRD_RX:
        m = rx.match(body)
        if m and (not m.groupdict().get("name") or name_of(m.group("name"), turn)):
            owner = name_of(m.group("name"), turn) if m.groupdict().get("name") else None
            task, due, phrase = clean_task(body[m.end() :], today)
            return _parts(task, owner, due, "commitment", phrase)
    m = next(
        (
            c
            for c in _COMMIT_RX.finditer(body)
            if c.start() == 0 or BOUNDARY.search(body[: c.start()])
        ),
        None,
    )
    if m:
        owner = turn.speaker if re.match(r"(?i)i\b|i'|let|leave|my", m.group(0)) else None
        task, due, phrase = clean_task(body[m.end() :], today)
        return _parts(task, owner, due, "commitment", phrase)
    m = SOMEONE.search(body)
    if m:
        task, due, phrase = clean_task(body[m.end() :], today)
        return _parts(task, None, due, "request", phrase)
    if NOT_IMPERATIVE.match(body):
        return None  # "The mockups are in Figma": a statement, not an instruction
    task, due, phrase = clean_task(body, today)  # an imperative: "Send me the deck tonight."
    return _parts(task, _addressee(sentence, whole, turn), due, "request", phrase)


def _parts(task: str, owner: str | None, due, role: str, phrase) -> Parts | None:
    if len(task.split()) < MIN_TASK_WORDS:
        return None
    return Parts(task, owner, due, role, phrase)


SUBJECT_NP = re.compile(
    r"(?i)(?:^|[.!?]\s+)(?:so,? |and |okay,? |by the way,? )?"
    r"(?P<np>(?:the|our|my|your|their|this|that) [a-z][\w-]*(?: [a-z][\w-]*){0,4}?)"
    r" (?:is|are|was|were|has|have|keeps|needs)\b"
)
PRONOUN_OBJECT = re.compile(r"(?i)^(?P<verb>\w+(?: \w+)?) (?:it|them|that|those|this)\b")


def resolve_pronoun(task: str, whole: str) -> str:
    """ "rotate it" → "rotate the expense system password" when the utterance named it first."""
    m = PRONOUN_OBJECT.match(task)
    np_ = SUBJECT_NP.search(whole)
    if m is None or np_ is None or np_.start("np") > whole.find(task):
        return task
    return f"{m.group('verb')} {np_.group('np')}{task[m.end() :]}"


def confirmation_due(sentence: str, today: date) -> date | None:
    """A date said with an acceptance ("Sure, by Thursday then")."""
    return resolve_due(sentence, today)[0]
