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
from copilot.intelligence.textutil import base_verb

FILLER = (
    r"(?:so|okay|ok|alright|all right|right|and|also|then|great|good|perfect|thanks|thank you|"
    r"sure(?: thing)?|yes|yeah|yep|yup|well|now|oh|um|uh|hey|hi|fine|cool|nice|lovely|"
    r"absolutely|of course|definitely|no problem|no worries|got it|sounds good|will do|"
    r"happy to|fair|sorry|anyway|agreed|not yet|done)"
)
LEAD = re.compile(rf"^(?:{FILLER}\b[,.!]?\s*)+", re.I)
NAME = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?"  # "Sun-hee", "Jean-Luc"
# "Tova, could you …", and as a recogniser writes it, "Tova could you …", "Gideon I'd like you to"
VOCATIVE_LEAD = re.compile(
    rf"^(?P<name>{NAME})(?:,\s+|\s+(?=(?:could|can|would|will|do|are) you\b|"
    r"(?:could|can|may) I ask\b|I'd like you\b|I need you\b|please\b))"
)
VOCATIVE_TAIL = re.compile(rf",\s*(?P<name>{NAME})\s*[?.!]*$")
ASKS = [
    r"(?:can|could|would|will) (?:you|u)(?: two| both)?(?: (?:also|please|maybe|just|perhaps))*"
    r" (?:be able to |mind |possibly )?",
    r"(?:would|do) you mind ",
    r"mind ",
    r"any chance you could ",
    r"(?:i|we) (?:need|want|'d like|would like) (?:you|you two|you both) to (?:also )?",
    r"(?:can|could|may) i ask you to ",
    r"(?:when you get a (?:minute|chance|sec(?:ond)?),? )?(?:could|can) you ",
    r"please,? (?:(?:also|just|do|go ahead and) )?",
    r"(?:remember|don't forget|make sure) to ",
    r"(?:i was|i'm|i am) (?:thinking|hoping|wondering if) (?:that )?(?:you|u)(?:'d| could| would|"
    r" might| can)? (?:maybe |perhaps |also )?",
    r"(?:it'd|it would) be (?:great|good|helpful|really helpful|ideal) if (?:you|u) could ",
    r"(?:\w+ ){0,3}?(?:said|mentioned|told me) (?:that )?(?:you|u)(?:'d| would| could| will) "
    r"(?:also )?",
    r"(?:are you|would you be|will you be) able to ",
    r"is there any way (?:you|u) could ",
    r"if (?:you|u) (?:could|can|would|have time to|get a chance to) (?:also |please |just )?",
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
    r"(?:i'm|i am|i'd be|i would be|we're|we are) (?:more than |really |very )?(?:happy|glad) to ",
    r"leave (?:it|that|the \w+) with me,? (?:i'll )?",
    r"(?:i'm|i am) (?=\w+ing\b)(?!going\b|being\b)",
    r"my plan is to ",
    # an offer: "would it help if I pushed back the review?", "do you want me to draft it?"
    r"(?:would it (?:help|be (?:useful|helpful|easier|better)) if i|(?:do you )?want me to|"
    r"shall i|how about i|what if i) (?:just |also )?",
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
SPEAKER_COMMITS = re.compile(
    r"(?i)i\b|i'|let|leave|my|would it|do you want|want me|shall i|how about|what if"
)
_COMMIT_RX = re.compile("|".join(f"(?:{p})" for p in COMMITS), re.I)
_THIRD_RX = [re.compile(p.format(n=NAME)) for p in THIRD]
SOMEONE = re.compile(
    r"\b(?:someone|somebody|anyone|a volunteer|one of you)\b(?: also| still| really)?"
    r"(?: (?:to|will|can|could|needs to|has to|ought to|should))?"
    r"(?: (?:probably|really|definitely|also|just))?\s*",
    re.I,
)
TRAILING = re.compile(
    r"(?:,\s*|\s+)(?:and then|but|so that|because|since|unless|if|once|okay|ok|right|yeah|yes|"
    r"please|thanks|thank you|for the record|as well|by the way|in the meantime|while|"
    r"myself|yourself|ourselves|"
    r"when you get a chance|if you can|if possible|if that works|that'll be|it'll be|"
    r"which|though)\b.*$|,\s*(?:and|so)\s+(?:i|we|you|it|that|they|he|she)\b.*$"
    r"|,\s*(?:what|where|who|how|which)(?:'s|'re| is| are| do| does| did| was)\s.*$"
    # a new clause after a comma ("raise a refund, it usually lands in a week") or a time
    # clause with its own verb ("before the board pack goes out", "once it's booked")
    r"|,\s*(?:it|that|this|they|there)(?:'s|'d|'ll|\s+(?:(?:still|also|just|really) )?(?:is|are|"
    r"was|usually|normally|should|will|would|could|might|may|can|takes?|lands?|has|have|hasn't|"
    r"haven't|isn't|aren't|wasn't|won't|doesn't|didn't|keeps?|needs?))\b.*$"
    r"|\s+(?:before|once|until|as soon as|when)\s+(?:[\w-]+\s+){0,4}?(?:goes|go|comes|come|"
    r"arrives?|lands?|gets?|is|are|'s|has|have|happens|starts|finishes)\b.*$"
    r"|\s+(?:before|once|until|as soon as|when)\s+(?:it|they|he|she|that)'s\b.*$"
    # what it is for, or an aside after a comma: "so he knows what format we want", "so
    # everyone has time to comment", ", I did the last one", ", he has all the data"
    r"|,?\s+so\s+(?:that\s+)?(?:i|we|you|he|she|they|it|everyone|everybody|nobody|people|"
    r"the\s+[\w-]+)\s+(?:[\w-]+\s+)?(?:can|could|knows?|has|have|gets?|don't|doesn't|won't|"
    r"will|'ll|is|are|isn't|aren't)\b.*$"
    r"|,\s*(?:i|he|she|we)(?:'m|'ve|'d|\s+(?:did|do|don't|didn't|have|has|had|am|was|were|need|"
    r"needs|want|wants|know|knows|think|reckon|already|just|still|never))\b.*$",
    re.I,
)
# a clause that is only a condition or a time ("before anyone pays that"): no task of its own
SUBORDINATE = re.compile(
    r"(?i)^(?:before|after|if|unless|until|once|when|whenever|since|because|as soon as|while|"
    r"though|although)\b"
)
# a reason said first ("Since it's been said aloud, could you change it?"): read what follows
REASON_LEAD = re.compile(r"(?i)^(?:since|because|as|now that|given that)\b[^,]{3,80},\s*")
TAG = re.compile(r",?\s*(?:okay|ok|right|alright|yeah|yes|sound good|does that work)\s*\?*$", re.I)
DUE_LEAD = (
    r"(?:,\s*)?(?:\s*\b(?:by|before|on|until|due|no later than|for|in|within|at)\b)?"
    r"\s*(?:\bthe\s+)?"
)
MIN_TASK_WORDS = 2
NOT_IMPERATIVE = re.compile(
    r"(?i)^(?:the|a|an|this|that|these|those|it|its|it's|we|we're|they|they're|he|she|there|"
    r"our|my|your|their|his|her|i|i'm|you|you're|what|who|why|how|when|where|which|is|are|"
    r"was|were|do|does|did|has|have|had|can|could|would|should|will|[A-Z]\w+ (?:is|are|was)|"
    r"today|tomorrow|yesterday|tonight|now|currently|still|meanwhile|honestly|basically|"
    r"actually|apparently|hopefully|luckily|unfortunately|mostly|probably|maybe|perhaps)\b"
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
    context: tuple[str, ...] = ()  # the utterances just before this one, oldest first

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


# "take that, I'll file amendment three": the task is what follows the take-on
TAKEN_THEN = re.compile(
    r"(?i)^(?:take|do|grab|handle|own|pick up) (?:that|it|this|those)(?: one)?(?: on| up)?,?\s+"
    r"(?:and )?(?:i|we)(?:'ll| will| can)\s+(?=\w)"
)


def clean_task(rest: str, today: date) -> tuple[str, date | None, str | None]:
    """Trim a verb phrase to the task; returns (task, due, due phrase)."""
    rest = TAKEN_THEN.sub("", rest.strip().rstrip("?.!"))
    due, phrase = resolve_due(rest, today)
    rest = VOCATIVE_TAIL.sub("", rest)
    rest = TAG.sub("", rest)
    if phrase:
        cut = re.sub(DUE_LEAD + re.escape(phrase) + r"\b", " ", rest, count=1, flags=re.I)
        if len(cut.split()) >= MIN_TASK_WORDS:
            rest = cut
    rest = TRAILING.sub("", re.sub(r"\s+,", ",", rest))
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
    reason = REASON_LEAD.match(body)
    if reason:
        body = LEAD.sub("", body[reason.end() :])
    if SUBORDINATE.match(body) and not ASK_RX.match(body):
        if "," not in body:
            return None  # "before anyone pays that": a condition, no task of its own
        body = LEAD.sub("", body.split(",", 1)[1].strip())  # "Once it's signed, I'll …"
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
            if m.group(0).lower().endswith("mind "):  # "would you mind doing the letters"
                verb, _, tail = task.partition(" ")
                task = f"{base_verb(verb)} {tail}".strip()
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
        owner = turn.speaker if SPEAKER_COMMITS.match(m.group(0)) else None
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


# "I'll need photos of the damage", "we'll be there": what someone will need or be, not do
STATIVE = re.compile(
    r"(?i)^(?:need|want|be|feel|love|like|know|hope|wonder|remember|understand|miss|forget|"
    r"owe|deserve|prefer)\b(?! to\b)"
)


# "doing the", "push the results to": the recogniser (or the speaker) cut the task off
CUT_OFF = re.compile(r"(?i)\b(?:the|a|an|my|your|our|their|some|of|to|and|with|for)$")


def _parts(task: str, owner: str | None, due, role: str, phrase) -> Parts | None:
    if len(task.split()) < MIN_TASK_WORDS or (role == "commitment" and STATIVE.match(task)):
        return None
    if CUT_OFF.search(task):
        return None
    return Parts(task, owner, due, role, phrase)


SUBJECT_NP = re.compile(
    r"(?i)(?:^|[.!?]\s+)(?:so,? |and |okay,? |by the way,? |"
    r"(?:on|in|for|about|with) [\w' -]{1,30}, )?"
    r"(?P<np>(?:the|our|my|your|their|this|that) [a-z][\w-]*(?: [a-z][\w-]*){0,6}?)"
    r"(?: still| also| just| really| now)? (?:is|are|was|were|has|have|keeps|needs|isn't|aren't|"
    r"wasn't|hasn't|haven't)(?![\w'])"
)
# "rotate it", "send that over" — but "rotate that key" names its object ("that" is a
# determiner there)
PRONOUN_OBJECT = re.compile(
    r"(?i)^(?P<verb>\w+(?: \w+)?) (?:it|them|(?:that|those|this)(?=\s*$|\s*[,.;!?]| (?:to|for|"
    r"with|on|in|up|out|over|back|by|before|after|right|today|tomorrow|now|again|together|as|"
    r"first|directly|straight|once|off|through|down|across|and|so|when|if|myself|yourself|"
    r"ourselves|later|soon|asap)\b))\b"
)


_NP_STOP = (
    r"(?:for|on|in|of|to|with|at|from|by|about|is|are|was|were|has|have|had|keeps|needs|"
    r"sent|came|went|will|would|can|could|should|and|or|but|so|if|it|that|this|the|a|an|"
    r"again|yet|now|too|today|yesterday|tomorrow|though|please|just|still|way|moment|meantime|"
    r"record|end|time|same|thing|rest|together|instead|anyway|either|then|first|later|soon|"
    r"wants|says|thinks|gets|got|goes|makes|knows|likes|told|asked|ready|done|finished|before|"
    r"after|over|up|out|back|off|"
    r"\w+ed)(?![\w'-])"
)
# a word after a name that makes it the subject of something said ("the bank asked for …")
SUBJECT_OF = re.compile(
    r"(?i)\s+(?:\w+ed|said|says|told|tells|sent|sends|came|went|wants|thinks|made|got|gave|"
    r"took|keeps|needs|asks|asked|wrote|called|emailed|mentioned|reckons)\b"
)
# the first thing named in the utterance before ("Do you remember the root password for that
# box?" → "the root password"): up to five words, stopping at a preposition, verb or comma
CONTEXT_NP = re.compile(
    rf"(?i)\b(?P<np>(?:the|our|my|your|their) (?!{_NP_STOP})[a-z][\w-]*"
    rf"(?: (?!{_NP_STOP})[a-z][\w-]*){{0,4}})"
)
DEICTIC = re.compile(
    r"(?i)^(?:\w+)(?: (?:out|up|down|over|on|off|back|in|through|round|around|on to|onto|"
    r"round to|around to))? "
    r"(?:it|that|this|those|these|them|that one|this one|the one|one)"
    r"(?: (?:out|up|down|over|on|off|back|in|through|again|now|too|as well|for you|for me|"
    r"right now|right away|straight away|first|once more|ready|done|sorted|finished|to you|"
    r"myself|yourself|ourselves|himself|herself|themselves|"
    r"over to you|across))*$"
)


def resolve_pronoun(task: str, whole: str, context: tuple[str, ...] = ()) -> str:
    """ "rotate it" → "rotate the expense system password" when the utterance named it first,
    or else the utterance just before did ("The ATS password is …" — "Please reset that")."""
    m = PRONOUN_OBJECT.match(task)
    if m is None:
        return _resolve_trailing(task, whole, context)
    topic = TOPIC_NP.match(whole)  # "the front of house rota, somebody needs to own that"
    if topic is not None and topic.end() <= whole.find(task):
        return f"{m.group('verb')} {_lower_lead(topic.group('np'))}{task[m.end() :]}"
    np_ = SUBJECT_NP.search(whole)
    if np_ is not None and np_.start("np") <= whole.find(task):
        return f"{m.group('verb')} {_lower_lead(np_.group('np'))}{task[m.end() :]}"
    at = whole.find(task)
    before = whole[: at if at > 0 else 0]  # "The caterer wants the deposit. I'll pay it."
    for earlier in (before, *reversed(context[-1:])):
        for found in CONTEXT_NP.finditer(earlier):
            if not SUBJECT_OF.match(earlier, found.end()):
                return f"{m.group('verb')} {_lower_lead(found.group('np'))}{task[m.end() :]}"
    return task


# a thing named first, on its own before a comma, then talked about: "the welcome bags, who's
# doing those", "the front of house volunteer rota, somebody needs to own that"
TOPIC_NP = re.compile(
    r"(?i)^(?:(?:so|and|also|oh|okay|ok|right|now),?\s+)*"
    r"(?P<np>(?:the|our|my|your|their) [a-z][\w'-]*(?: [a-z][\w'-]*){0,6}),"
)
# "chase finance on that", "go over it with the copywriters": the pronoun after a preposition
TRAILING_PRONOUN = re.compile(r"(?i)\b(?P<prep>on|about|for|over|with|into) (?:that|it|this)\b")


def _lower_lead(np_: str) -> str:
    """ "The vendor contract" said at a sentence's start reads "the vendor contract" in a task."""
    head, _, rest = np_.partition(" ")
    return f"{head.lower()} {rest}" if head.istitle() and len(head) <= 5 else np_


def _resolve_trailing(task: str, whole: str, context: tuple[str, ...]) -> str:
    """ "chase finance on that" → "chase finance on the paid social budget" when the thing was
    named as the subject of a sentence just before (in this utterance or the one before)."""
    m = TRAILING_PRONOUN.search(task)
    if m is None or m.start() == 0:
        return task
    at = whole.find(task)
    for source in (whole[: at if at >= 0 else len(whole)], *reversed(context[-1:])):
        nps = [np_ for np_ in SUBJECT_NP.finditer(source)]
        if nps:
            np_ = _lower_lead(nps[-1].group("np"))
            return f"{task[: m.start()]}{m.group('prep')} {np_}{task[m.end() :]}"
    return task


def deictic(task: str) -> bool:
    """A task that only points back ("take it", "do that", "dig those out"): the reply to
    something said before, not a task of its own."""
    return bool(DEICTIC.match(task.strip()))


def confirmation_due(sentence: str, today: date) -> date | None:
    """A date said with an acceptance ("Sure, by Thursday then")."""
    return resolve_due(sentence, today)[0]
