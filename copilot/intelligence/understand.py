"""The offline action-item reader: one utterance → candidates, the model deciding.

Each sentence is classified by the intent model (action item, confirmation, neither). An
action sentence is split into clauses ("Dana will draft it, and I'll send it Friday") and
each clause read for task, owner and due date (copilot.intelligence.extract); when no clause
reads, the older pattern extractor is asked for the task. A confirmation becomes a
`confirm` candidate that the tracker merges into the request it answers.
"""

from __future__ import annotations

import re
from datetime import date

from copilot.intelligence import action_items as patterns
from copilot.intelligence.action_items import Candidate
from copilot.intelligence.extract import (
    CUT_OFF,
    Turn,
    clean_task,
    confirmation_due,
    deictic,
    read,
    resolve_pronoun,
)
from copilot.intelligence.intent import IntentModel, shared_model
from copilot.intelligence.owners import roster_case
from copilot.intelligence.sensitive import redact
from copilot.intelligence.textutil import split_sentences

# "you'll have it by Thursday" is the speaker's promise, not a request of the listener
TOLD_HAVE = re.compile(
    r"(?i)^(?:\w+[,.]?\s+){0,3}?you(?:'ll| will) (?:have|get|receive|see) (?:it|that|them|those)\b"
)
# "I can have a draft over to you", "I should have a fix in a build by Friday": when it was
# asked of the speaker (or they just offered it), a delivery date for that task, not a new one
DELIVERY = re.compile(
    r"(?i)^have (?:(?:a|an|the|it|that|them|something|some|my|our) )?(?:[\w-]+ ){0,4}?"
    r"(?:ready|over|done|finished|across|back|up|updated|sorted|fixed|sent|booked|"
    r"to (?:you|him|her|them|me))\b|^have (?:a|an|the) [\w-]+ (?:in|to you)\b|"
    # "I'll have a view by Thursday", "an answer from wardrobe": the outcome of the task
    r"^have (?:a|an|some|the) (?:answer|view|update|decision|verdict|recommendation|estimate|"
    r"numbers?|figures?)\b"
)
# "Who can draft the leaflet?", "Who's doing the launch deck?": an open call for a task, taken
# on by whoever answers "me, I'll do it"
WHO_CALL = re.compile(
    r"(?i)^(?:so,? |okay,? |and |right,? |now,? )?(?:"
    r"who(?:'s| is)? (?:can|could|will|would|wants to|want to|is going to|'s going to|going to|"
    r"has (?:got )?(?:the )?(?:time|bandwidth|capacity) to|'s got (?:the )?(?:time|bandwidth|"
    r"capacity) to|got (?:the )?(?:time|bandwidth|capacity) to|is free to|'s free to|fancies|"
    r"volunteers to|is up for)|"
    r"(?:does |is )?any(?:one|body) (?:free|able|around|available|willing|want|wants|have time|"
    r"got time) to)\s+(?P<task>\w.+?)\??$"
)
WHO_DOING = re.compile(
    r"(?i)^(?:so,? |okay,? |and |right,? |now,? )?who(?:'s| is) (?P<verb>doing|handling|taking|"
    r"writing|drafting|owning|running|organising|organizing|booking|sending|preparing|leading|"
    r"covering|sorting) (?P<task>\w.+?)\??$"
)
_BASE = {"doing": "do", "handling": "handle", "taking": "take", "writing": "write",
         "drafting": "draft", "owning": "own", "running": "run", "organising": "organise",
         "organizing": "organize", "booking": "book", "sending": "send", "preparing": "prepare",
         "leading": "lead", "covering": "cover", "sorting": "sort"}  # fmt: skip
OPEN_CALL_CONFIDENCE = 0.7
# "Who would have thought …?", "Who can tell me what happened?": questions, not tasks
NOT_A_CALL = re.compile(
    r"(?i)^(?:have|has|had|be|been|know|remember|think|guess|say|tell me|tell us|believe|want|"
    r"like|mind|care|win|notice|imagine|blame|explain why|see)\b"
)
# "send it to them directly", "put it together" — but not "send them the proposal", which
# names its object
POINTED_OBJECT = re.compile(
    r"(?i)^\w+(?: (?:out|up|over|back|across|through|round|on|off))? (?:it|that|this|those|these|"
    r"them)(?:$| (?:to|over|across|back|out|up|on|in|through|with|for|by|before|after|together|"
    r"directly|straight|today|tomorrow|first|again|now)\b)"
)
# "give her a call", "ping them tomorrow": a task whose only object is a person not named here
POINTED_PERSON = re.compile(
    r"(?i)^(?:(?:give|drop|send|shoot) (?:her|him|them) (?:a|an) (?:call|ring|email|message|"
    r"text|nudge|shout|line)|(?:call|ring|phone|email|ping|text|message|chase|contact|remind|"
    r"nudge) (?:her|him|them))(?: (?:today|tomorrow|again|now|first|back|later))?$"
)
# "I'll take the medals off Ruth's plate", "I'll take that over": a task someone else had
TAKE_OVER = re.compile(
    r"(?i)^take (?P<what>(?:[\w'-]+ ){1,4}?)off (?:(?:[\w-]+'s|my|your|his|her|their) "
    r"(?:plate|hands)|you|him|her|them)\b|^take over\b|^take (?:it|that|this|them) over\b"
)
# "that one's mine", "I've got this one": a task claimed by whoever says it, named before
CLAIM = re.compile(
    r"(?i)^(?:(?:oh|yeah|yes|okay|ok|sure|right|and),?\s+)*(?:(?:that|this|it)(?: one)?(?:'s| is) "
    r"(?:mine|on me)|(?:i've|i have) got (?:that|this|it)(?: one)?)(?=[\s,.!?]|$)"
)
CLAIM_CONFIDENCE = 0.85
SAYS_MORE = re.compile(r"(?i)\b(?:I'll|I will|I can|I'm going to|let me)\b")  # says what, too
ACTION_MIN = 0.5  # p(action) for a sentence to be read for an item
CONFIRM_MIN = 0.5
EITHER_MIN = 0.6  # neither alone, but p(none) ≤ 0.4: read it as the likelier of the two
# a second clause spliced on with a comma that says what the speaker has or is ("I'm happy to
# do that, I've got their number"): read apart, so the acceptance is heard as one
SPLICE = re.compile(r",\s+(?=(?:I|we)(?:'ve|'m| have| am)\b)")
# sentences run on with commas ("the kegs are back, tomasz could you pull a sample"): a new
# ask after a comma starts a sentence, when what comes before says enough (a promise after a
# comma is kept: "let me dig into it, I'll ring the office" is one task said twice)
RUN_ON = re.compile(
    r"(?i),\s+(?:and |so |also |oh |then )?(?=(?:[a-z][\w-]+,? )?(?:can|could|would|will) you\b|"
    r"please\b)"
)
RUN_ON_MIN_WORDS = 4


# hesitations a recogniser may keep ("could you, um, send the deck"): they say nothing
FILLER_WORD = re.compile(r"(?i)(?<![\w'-])(?:u+m+|u+h+m*|e+r+m*|ah+|hmm+)(?![\w'-])[,.]?\s*")


def without_fillers(text: str) -> str:
    """The utterance without its hesitations, and no comma left stranded by one."""
    cleaned = FILLER_WORD.sub("", text)
    cleaned = re.sub(r",\s*,", ",", cleaned)
    return re.sub(r"\s+([,.?!])", r"\1", re.sub(r"\s{2,}", " ", cleaned)).strip()


def _clauses(sentence: str) -> list[str]:
    """A sentence, and where it runs on into a new ask, its parts."""
    parts, start = [], 0
    for m in RUN_ON.finditer(sentence):
        if len(sentence[start : m.start()].split()) >= RUN_ON_MIN_WORDS:
            parts.append(sentence[start : m.start()])
            start = m.end()
    parts.append(sentence[start:])
    return [p.strip() for p in parts if p.strip()]


def detect(text: str, turn: Turn, today: date, model: IntentModel | None = None) -> list[Candidate]:
    """Candidates in one utterance (`turn` says who speaks; dates resolve against `today`)."""
    text = without_fillers(roster_case(text, turn.participants))
    spliced = {
        part: s
        for s in split_sentences(text)
        for clause in _clauses(s)
        for part in SPLICE.split(clause)
    }
    sentences = list(spliced)
    if not sentences:
        return []
    out: list[Candidate] = []
    for intent in (model or shared_model()).classify(sentences):
        s = intent.sentence
        call = _open_call(s, today)
        if call is not None:
            out.append(call)
            continue
        claim = CLAIM.match(s)
        if claim and not SAYS_MORE.search(s[claim.end() :]):
            due = confirmation_due(spliced.get(s, s), today)
            extras = {"takes_on": True}
            out.append(
                Candidate("", turn.speaker, due, None, CLAIM_CONFIDENCE, s, "confirm", extras)
            )
            continue
        p_a, p_c = intent.p("action"), intent.p("confirm")
        unsure = p_a < ACTION_MIN and p_c < CONFIRM_MIN and p_a + p_c >= EITHER_MIN
        if p_a >= ACTION_MIN or (unsure and p_a > p_c):
            # an item said as an acceptance ("Sure, I will review it") commits as much
            committed = intent.p("action") + intent.p("confirm")
            for c in _read_action(s, text, turn, today, intent.p("action")):
                if c.kind == "commitment":
                    c.confidence = round(min(1.0, committed), 2)
                if c.extras.get("takes_on"):
                    # "I'll take it", "you'll have it by Thursday": the speaker takes on what
                    # was just asked; the tracker finds it (or keeps the pointed-at task)
                    c = Candidate(
                        c.text, turn.speaker, c.due, c.due_phrase, c.confidence, s, "confirm",
                        {**c.extras, "takes_on": True},
                    )  # fmt: skip
                out.append(c)
        elif p_c >= CONFIRM_MIN or unsure:
            # an acceptance; if it also says what ("Sure, I'll review it after lunch") the task
            # stands as a commitment when there is no request for it to confirm
            parts = read(s, turn, today, whole=text)
            task = parts.task if parts is not None and parts.role == "commitment" else ""
            extras = {}
            if task:
                raw = task
                if _points_back(task):  # "I can do the one on the 8th", "I can do it now"
                    extras.update(_taken(task))  # takes on what was asked
                task = resolve_pronoun(task, text, turn.context)
                if extras and _says_what(raw, task):
                    extras["says_what"] = True
            p = round(min(1.0, p_c + p_a) if task else p_c, 2)
            # "Let me take that, I'm talking to her at three today": dated by the whole sentence
            due = parts.due if task else confirmation_due(spliced.get(s, s), today)
            out.append(
                Candidate(task, turn.speaker if task else None, due, None, p, s, "confirm", extras)
            )
    out = [c for c in out if not (c.text and CUT_OFF.search(c.text))]  # "push it to"
    taken = next((c for c in out if c.extras.get("takes_on")), None)
    if taken is not None:
        # "Yeah, Friday's doable. I'll send it to them." is one acceptance, said twice
        out = [c for c in out if c.text or c.kind != "confirm" or c is taken]
        # "I'm happy to do that. I'll give her a call tomorrow.": the same task, dated
        for c in [c for c in out if c is not taken and POINTED_PERSON.match(c.text)]:
            taken.due, taken.due_phrase = taken.due or c.due, taken.due_phrase or c.due_phrase
            out.remove(c)
    for c in out:  # an item never repeats a secret said in the same breath
        c.text = redact(c.text)
        if c.kind != "confirm" and not c.extras.get("takes_on") and deictic(c.text):
            c.extras["points_back"] = True  # "can you get that done by tomorrow?": a prior task
    return out


TAKE_ON_VERBS = frozenset(
    ["take", "do", "handle", "own", "grab", "cover", "pick", "have", "get", "sort"]
)


def _points_back(task: str) -> bool:
    """A task that is what was just asked or offered ("take it", "send it to them", "have a
    draft over to you"), not a new one."""
    return deictic(task) or bool(
        DELIVERY.match(task)
        or POINTED_OBJECT.match(task)
        or TAKE_OVER.match(task)
        or POINTED_PERSON.match(task)
    )


def _taken(task: str) -> dict:
    """What a reply taking a task on carries: that it does, and what it names as taken
    ("take Hendry off your hands": the Hendry task)."""
    over = TAKE_OVER.match(task)
    topic = over.group("what").strip() if over and over.group("what") else None
    return {"takes_on": True, **({"topic": topic} if topic else {})}


def _says_what(raw: str, resolved: str) -> bool:
    """Whether a reply taking a task on says what will be done ("I'll call them") rather than
    only that it is taken ("I'll take it", "I'll do the leaflet")."""
    verb = resolved.split()[0].lower() if resolved else ""
    return resolved != raw and not deictic(resolved) and verb not in TAKE_ON_VERBS


def _open_call(s: str, today: date) -> Candidate | None:
    """ "Who can draft the leaflet for Ferry Lane?" → a request with no one named yet."""
    m = WHO_CALL.match(s.strip())
    if m is not None:
        rest = m.group("task")
    else:
        m = WHO_DOING.match(s.strip())
        if m is None:
            return None
        rest = f"{_BASE[m.group('verb').lower()]} {m.group('task')}"
    task, due, phrase = clean_task(rest, today)
    if len(task.split()) < 2 or deictic(task) or NOT_A_CALL.match(task):
        return None
    return Candidate(task, None, due, phrase, OPEN_CALL_CONFIDENCE, s, "request")


def _read_action(s: str, whole: str, turn: Turn, today: date, p: float) -> list[Candidate]:
    found = []
    for clause in patterns.clauses(s):
        parts = read(clause, turn, today, whole=whole)
        if parts is None:
            continue
        extras = {}
        # "I'll send it to them directly": what "it" is was just asked of the speaker
        raw = parts.task
        pointing = _points_back(parts.task)
        parts.task = resolve_pronoun(parts.task, whole, turn.context)
        own = parts.role == "commitment" and parts.owner is not None
        told = parts.role == "request" and bool(TOLD_HAVE.match(clause.strip()))
        if pointing and turn.speaker and ((own and parts.owner == turn.speaker) or told):
            extras.update(_taken(raw))  # still only pointing back: a reply to what was asked
            if _says_what(raw, parts.task):
                extras["says_what"] = True  # "I'll call them" said what: call the auditors
        found.append(
            Candidate(
                parts.task, parts.owner, parts.due, parts.due_phrase, p, s, parts.role, extras
            )
        )
    if found:
        return [
            Candidate(
                c.text, c.owner, c.due, c.due_phrase, round(c.confidence, 2), s, c.kind, c.extras
            )
            for c in found
        ]
    legacy = patterns.detect(
        s, speaker=turn.speaker, participants=list(turn.participants), today=today
    )
    out = []
    for c in legacy[:1]:
        # "I should have a fix in a build by Friday", just after taking the task on
        mine = c.kind == "commitment" and c.owner is not None and c.owner == turn.speaker
        extras = {"takes_on": True} if mine and _points_back(c.text) else {}
        text = c.text if extras else resolve_pronoun(c.text, whole, turn.context)
        out.append(Candidate(text, c.owner, c.due, c.due_phrase, round(p, 2), s, c.kind, extras))
    return out


def flagged(text: str, minimum: float) -> bool:
    """Whether any sentence may be an action item or a confirmation (p ≥ `minimum`)."""
    sentences = split_sentences(text)
    return any(
        i.p("action") >= minimum or i.p("confirm") >= minimum
        for i in shared_model().classify(sentences)
    )
