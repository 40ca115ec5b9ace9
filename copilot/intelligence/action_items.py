"""Find action items in an utterance without a model: commitments ("Marcus will update the
release notes by Wednesday", "I'll send it tomorrow"), requests ("Can you book the room?"),
assignments ("Action item: …"). Owner from the subject (fuzzy-matched to participants, "I" →
the speaker), due date resolved against the session date, and a confidence. Past-tense
reports, hedges ("I'll think about it"), predictions and negations are not items.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from copilot.intelligence.dates import resolve_due
from copilot.intelligence.owners import resolve_owner
from copilot.intelligence.textutil import base_verb, split_sentences

SUBJ = r"(?P<subj>I|we|you|he|she|they|someone|somebody|[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
MODAL = (
    r"(?P<modal>will|'ll|shall|am going to|'m going to|is going to|'s going to|are going to|"
    r"'re going to|need to|needs to|have to|has to|must|should|(?:will|'ll) make sure to|"
    r"am gonna|'m gonna|is gonna|are gonna|'re gonna|promised? to|agreed to|volunteered to|"
    r"offered to|committed to|plans? to|intends? to|(?:am|'m|is|'s) planning to|"
    r"(?:is|am|are) (?:responsible for|on it|taking))"
)
COMMIT = re.compile(
    rf"(?:^|[,;:]\s*|\band\s+|\bthen\s+|\bso\s+)(?:also\s+)?{SUBJ}\s*{MODAL}\s+(?:also\s+)?"
    rf"(?:please\s+)?(?P<rest>[a-z][^.;!?]*)",
)
REQUEST = re.compile(
    r"(?:^|[,;:]\s*)(?:(?P<name>[A-Z][a-z]+),?\s+)?(?:can|could|would|will) (?P<subj>you|someone|"
    r"somebody|anyone|one of you)(?: please)? (?P<rest>[a-z][^.;!?]*)",
    re.I,
)
PLEASE = re.compile(
    r"(?:^|[,;:]\s*)(?:(?P<name>[A-Z][a-z]+),?\s+)?please,?\s+(?P<rest>(?!do not|don't|dont|"
    r"never|stop)[a-z][^.;!?]*)",
    re.I,
)
MARKED = re.compile(
    r"\b(?:action item|todo|to-do|follow[- ]up)s?\s*(?:for (?P<name>[A-Z][a-z]+))?\s*[:\-]\s*"
    r"(?P<rest>[^.;!?]+)",
    re.I,
)
TAG_QUESTION = re.compile(r",?\s*(?:okay|ok|right|alright|all right|yeah|sound good)\?$", re.I)
NAMED_TASK = re.compile(r"(?P<name>[A-Z][a-z]+) (?:to|will|should|needs to|is to) (?P<t>.+)")
VOCATIVE = re.compile(r",\s*([A-Z][a-z]+)\s*$")
LEADING_NAME = re.compile(
    r"^(?:(?:okay|ok|so|and|alright|right|now|then|well)[,]?\s+)*([A-Z][a-z]+),"
)
# owner is the speaker: "My plan is to finish the slides"
SPEAKER_PLANS = re.compile(
    r"\b(?i:my plan is to|i plan to|i'?m planning to) (?P<rest>[a-z][^.;!?]*)"
)
# imperatives addressed to someone by name: "Alex, make sure the contract goes out"
NAMED_IMPERATIVE = re.compile(
    r"^(?:\w+,?\s+)?(?P<name>[A-Z][a-z]+), (?P<rest>(?i:make sure|remember to|don'?t forget to|"
    r"go ahead and|take care of|follow up)\b[^.;!?]*)"
)
# other ways of handing out work: reported promises, "let's have X …", "next step is for X to …"
DELEGATIONS: list[tuple[re.Pattern, float]] = [
    (
        re.compile(
            r"\b(?P<name>[A-Z][a-z]+) (?:said|says|mentioned|promised|agreed|offered)"
            r"(?: that)? (?:she|he|they)(?:'d| would| will|'ll) (?P<rest>[a-z][^.;!?]*)"
        ),
        0.75,
    ),
    (
        re.compile(
            r"(?i:\blet'?s|\blet us|\bwe'?ll|\bcan we) (?:have|get|ask) (?P<name>[A-Z][a-z]+)"
            r"(?: to)? (?P<rest>[a-z][^.;!?]*)"
        ),
        0.75,
    ),
    (
        re.compile(
            r"(?i:\b(?:next step|action|plan|task|ask)s? (?:is|will be|was) )(?:for )?"
            r"(?P<name>[A-Z][a-z]+) to (?P<rest>[a-z][^.;!?]*)"
        ),
        0.8,
    ),
    (
        re.compile(
            r"(?i:\b(?:I|we) (?:need|want|'d like|would like) you to |\b(?:can|could|may) I ask "
            r"you to )(?P<rest>[a-z][^.;!?]*)"
        ),
        0.75,
    ),
    (NAMED_IMPERATIVE, 0.7),
    (
        re.compile(
            r"(?i:\b(?:we )?(?:'ll )?(?:need|needs|want|wants) (?:someone|somebody|a volunteer) "
            r"to )"
            r"(?P<rest>[a-z][^.;!?]*)"
        ),
        0.65,
    ),
]
# verbs that are not a commitment to do something (hedges, predictions, feelings)
NOT_ACTIONS = re.compile(
    r"^(?:think|consider|see|wonder|hope|try to see|be |feel|love|like|enjoy|know|remember|"
    r"probably|maybe|perhaps|not |never |have a look at some point|get back to you at some point|"
    r"need |want |start with|go with|keep that in mind|talk (?:about it )?later|worry|"
    r"hear|find out what happens|ever|win|lose|forget|miss|regret|understand|"
    r"have (?:been|had|done|seen|sent|finished)|already|grab (?:a )?(?:coffee|lunch|a drink|water)|"
    r"step out|hop off|jump off|head out|take a (?:quick )?break|be right back|get going)",
    re.I,
)
WEAK_MODALS = {"should", "need to", "needs to", "have to", "has to", "must"}
TRAILING = re.compile(
    r"(?:(?:,\s*|\s+)(?:and|but|so|because|since|if|unless|okay|right|ok)\b.*$|,\s*(?:please|thanks)"
    r".*$)",
    re.I,
)


@dataclass
class Candidate:
    """One action item found in one utterance (before merging across the meeting)."""

    text: str
    owner: str | None
    due: date | None
    due_phrase: str | None
    confidence: float
    source: str
    kind: str = "commitment"  # commitment | request | marked
    extras: dict = field(default_factory=dict)


CLAUSE = re.compile(
    # ("while I'm building the rota", "while you're there" say when, not a second task)
    r"(?:;|,?\s+(?:and|but|then|so)\s+)"
    r"(?=(?:I|we|you|he|she|they|[A-Z][a-z]+)\b"
    r"(?:\s*'(?:ll|m|s|re)\b|\s+(?:will|shall|am|is|are|need|needs|has|have|must|should)\b))"
)
DUE_LEAD = r"\s*(?:,\s*)?(?:by|before|on|until|due|no later than|for)?\s*(?:the\s+)?"


def clauses(sentence: str) -> list[str]:
    """Split "X will do A by Friday, and I will do B" into one clause per commitment."""
    return [c.strip() for c in CLAUSE.split(sentence) if c and c.strip()]


def _clean_task(rest: str) -> str:
    rest = TRAILING.sub("", rest.strip())
    rest = re.sub(r"^(?:go ahead and|make sure to|try to|try and)\s+", "", rest, flags=re.I)
    return rest.strip(" ,")


def _owner(subj: str | None, speaker: str | None, participants: list[str]) -> str | None:
    if not subj:
        return None
    s = subj.strip()
    if s.lower() == "i":
        return speaker
    if s.lower() in ("we", "you", "he", "she", "they", "someone", "somebody", "anyone"):
        return None
    return resolve_owner(s, participants)


def _looks_like_subject(subj: str, participants: list[str]) -> bool:
    if subj.lower() in ("i", "we", "you", "he", "she", "they", "someone", "somebody"):
        return True
    return resolve_owner(subj, participants) is not None


def detect(
    text: str,
    *,
    speaker: str | None = None,
    participants: list[str] | None = None,
    today: date | None = None,
) -> list[Candidate]:
    """Action items in one utterance. `speaker` is who said it (resolves "I")."""
    participants = participants or []
    today = today or date.today()
    out: list[Candidate] = []
    for sentence in split_sentences(text):
        sentence = TAG_QUESTION.sub(".", sentence.strip())
        lead = LEADING_NAME.match(sentence)
        addressee = resolve_owner(lead.group(1), participants) if lead else None
        confirm = addressee and re.search(r"\byou(?:'ll| will| are going to)\b", sentence)
        asks = REQUEST.search(sentence) or any(p.search(sentence) for p, _ in DELEGATIONS)
        if sentence.endswith("?") and not (asks or confirm):
            continue
        if sentence.endswith("?") and confirm:
            sentence = sentence[:-1] + "."
        for m in SPEAKER_PLANS.finditer(sentence):
            task = _clean_task(m.group("rest"))
            if len(task.split()) >= 2 and not NOT_ACTIONS.match(task):
                out.append(_candidate(task, speaker, sentence, today, 0.7, "commitment"))
        found = False
        for m in MARKED.finditer(sentence):
            task = _clean_task(m.group("rest"))
            owner = resolve_owner(m.group("name"), participants) if m.group("name") else None
            named = NAMED_TASK.match(task)
            commit = COMMIT.search(task)
            if named and resolve_owner(named.group("name"), participants):
                owner, task = resolve_owner(named.group("name"), participants), named.group("t")
            elif commit and _looks_like_subject(commit.group("subj"), participants):
                owner = owner or _owner(commit.group("subj"), speaker, participants)
                task = _clean_task(commit.group("rest"))
            out.append(_candidate(task, owner, sentence, today, 0.9, "marked"))
            found = True
        if found:
            continue
        for clause, m in ((c, m) for c in clauses(sentence) for m in COMMIT.finditer(c)):
            subj, modal = m.group("subj"), m.group("modal").lower()
            if not _looks_like_subject(subj, participants):
                continue
            rest = m.group("rest")
            if NOT_ACTIONS.match(rest) or re.search(
                r"\b(?:if|whether|unless)\b", clause[: m.start()], re.I
            ):
                continue
            task = _clean_task(rest)
            if len(task.split()) < 2:
                continue
            owner = _owner(subj, speaker, participants)
            if subj.lower() == "you" and addressee:
                owner = addressee
            conf = 0.85 if modal not in WEAK_MODALS else 0.55
            if modal in WEAK_MODALS and owner is not None and subj.lower() != "i":
                conf = 0.7  # "Alex should send the invite": an assignment, not a musing
            if subj.lower() in ("we", "you", "they") and modal in WEAK_MODALS and owner is None:
                conf = 0.45
            if subj.lower() == "we":
                conf -= 0.1
            out.append(_candidate(task, owner, clause, today, conf, "commitment"))
        for pattern, conf in ((REQUEST, 0.75), (PLEASE, 0.65), *DELEGATIONS):
            for m in pattern.finditer(sentence):
                task = _clean_task(m.group("rest"))
                vocative = VOCATIVE.search(task)
                if vocative and resolve_owner(vocative.group(1), participants):
                    task = task[: vocative.start()].strip()
                if re.match(r"(?i)mind\s", task):  # "would you mind doing the letters"
                    verb, _, tail = task[5:].lstrip().partition(" ")
                    task = f"{base_verb(verb)} {tail}".strip()
                if NOT_ACTIONS.match(task) or len(task.split()) < 2:
                    continue
                name = m.groupdict().get("name") or (vocative and vocative.group(1))
                name = name or (lead.group(1) if lead else None)
                owner = resolve_owner(name, participants) if name else None
                kind = "request" if pattern in (REQUEST, PLEASE) else "commitment"
                out.append(_candidate(task, owner, sentence, today, conf, kind))
    return out


def _candidate(
    task: str, owner: str | None, sentence: str, today: date, conf: float, kind: str
) -> Candidate:
    due, phrase = resolve_due(task, today)
    if due is None:
        due, phrase = resolve_due(sentence, today)
    elif phrase:
        stripped = re.sub(DUE_LEAD + re.escape(phrase) + r"\b", "", task, count=1, flags=re.I)
        task = stripped.strip(" ,") if len(stripped.split()) >= 2 else task
    if due is not None:
        conf = min(1.0, conf + 0.1)
    if owner is not None and conf >= 0.6:  # a named owner firms up a commitment, not a musing
        conf = min(1.0, conf + 0.05)
    return Candidate(task, owner, due, phrase, round(max(0.0, conf), 2), sentence, kind)


Extractor = Callable[..., list["Candidate"]]
EXTRACTORS: dict[str, Extractor] = {}


def register_extractor(name: str, fn: Extractor) -> None:
    """Add an extractor: `fn(text, speaker=…, participants=…, today=…) -> [Candidate]`;
    its candidates are merged with the builtin ones by the same tracker."""
    EXTRACTORS[name] = fn
