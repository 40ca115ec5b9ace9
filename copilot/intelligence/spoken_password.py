"""How a password is said aloud: handed over in reply ("it's …", "try …", "type in …"), as
a few words with a number ("copper kettle nineteen, all lowercase"), or described piece by
piece ("capital B, lower case b, then nine, hash"). The rules that tell it from talk about
passwords ("it must have a capital and a hash") live here too."""

from __future__ import annotations

import re

from copilot.intelligence.findings import Finding
from copilot.intelligence.readout import NUMBER_SAID, UNITS

ACK = r"(?:(?:sure|yes|yeah|yep|ok(?:ay)?|right|so|um|uh|oh|and|alright|no|nope|well)[,.]?\s+)*"
REPLY = re.compile(
    rf"(?i)^{ACK}(?:it's|"
    r"it is|that's|that is|mine's|mine is|ours is|it was|it says|it reads|"
    # the value handed over as what to type: "try pickle for twenty twenty", "use …"
    r"try|use|enter|type in|type|(?:i've |i have |i )?(?:changed|set|updated|reset) it to)"
    r"[,:]?\s+(?:(?:um|uh|er|erm)[,.]?\s+)?(?P<value>[^\s,.;!?]+(?:[\s,-]+[^\s,.;!?]+){0,15})"
)
# a passphrase given as the reply ("It's copper kettle nineteen, all lowercase"): a few words
# with a number in them; these first words make it an ordinary answer instead
PHRASE_NOT = frozenset(
    """about around like in on at the a an my our your his her their still not only just over
    under almost nearly maybe probably due from for every each per fine ok okay written taped
    stuck saved stored up down back same different already been being gone changed with must
    need needs should has have will would can could expire expires requires is""".split()  # noqa: SIM905
)
PHRASE_HINT = re.compile(
    r"(?i)\b(?:all )?(?:lower ?case|upper ?case|caps|no spaces|one word|capital)"
)
NUMBER_RUN = re.compile(rf"\b{NUMBER_SAID}")
SHAPE_SPAN = 160  # a password described over a sentence or two, not a whole speech


def shifted(found: list[Finding], offset: int) -> list[Finding]:
    return [
        Finding(f.kind, f.start + offset, f.end + offset, f.confidence, f.detector, f.value)
        for f in found
    ]


def passphrase(text: str, reply: re.Match) -> Finding | None:
    """ "It's copper kettle nineteen, all lowercase": a few words with a number in them."""
    start = reply.start("value")
    phrase = re.split(r"[,.;!?]", text[start:], maxsplit=1)[0].strip()
    words = phrase.split()
    if not 2 <= len(words) <= 4 or words[0].lower() in PHRASE_NOT:
        return None
    number = [w for w in words if NUMBER_RUN.fullmatch(w)]
    named = [w for w in words if w.isalpha() and not NUMBER_RUN.fullmatch(w)]
    if not number or not named:
        return None
    after = text[start + len(phrase) :]
    if UNITS.match(after) and not PHRASE_HINT.search(after):
        return None
    return Finding("password", start, start + len(phrase), 0.8, "context", phrase)


# how a password is read out: "whiskers with a capital W, then two zero two seven, and an
# exclamation mark on the end"
DESCRIBED = re.compile(
    r"(?i)\b(?:with an? (?:capital|upper ?case|lower ?case)|capital [a-z]\b|"
    r"exclamation (?:mark|point)|at sign|hash(?: sign| key)?|underscore|dollar sign|no spaces|"
    r"all one word|all lower ?case|all caps|then [\w-]+,? then|(?:lower|upper) ?case|"
    r",\s*dash\s*,|,\s*(?:star|asterisk)\b)"
)


# the parts only a password has: "capital Q", "lower case b", "hash", "an at sign"
SHAPE_MARK = re.compile(
    r"(?i)\b(?:(?P<case>capital|upper ?case|lower ?case|small) [a-z]\b|(?P<sym>(?:exclamation "
    r"(?:mark|point)|at sign|hash|underscore|dollar sign|ampersand|asterisk|star)"
    # a symbol as one part of the list, not a word in a sentence ("a star rating")
    r"(?=\s*(?:[,.!?]|$|then\b|and\b|at the end|on the end))))"
)
# "must have a capital and a hash", "at least twelve": rules for passwords, not one of them
SHAPE_RULE = re.compile(
    r"(?i)\b(?:(?:must|needs?(?: to)?|should|has to|have to) (?:have|contain|include|use|be at)|"
    r"requires?|required|at least|include|contains?|rules?|policy|allowed|letters?|characters?|"
    r"symbols?)\b"
)


def spelled_shape(text: str) -> list[Finding]:
    """A password described by its parts with nothing naming it ("Should be bee bee gun nine.
    So capital B, lowercase b, then gun, G U N, then nine, hash."): two kinds of part only a
    password has, and a number, in a few sentences."""
    marks = list(SHAPE_MARK.finditer(text))
    kinds = {"case" if m.group("case") else m.group(0).lower() for m in marks}
    if len(kinds) < 2 or SHAPE_RULE.search(text):
        return []
    start = max(text.rfind(c, 0, marks[0].start()) for c in ".?!") + 1
    start += len(text[start:]) - len(text[start:].lstrip())
    end = marks[-1].end()
    numbers = [n for n in NUMBER_RUN.finditer(text, start) if not UNITS.match(text[n.end() :])]
    if not numbers or end - start > SHAPE_SPAN:
        return []
    return [Finding("password", start, end, 0.8, "described", text[start:end])]


# what to key in, said with no word for it: "type in …", "enter …"
ENTRY = re.compile(r"(?i)\b(?:type in|type|enter|key in|put in)[,:]?\s+")
ENTRY_NOT = frozenset("it them to of by and or then twice again name names".split())  # noqa: SIM905
HINT_NEXT = re.compile(r"(?i)^,?\s*(?:all one word|no spaces|all (?:lower|upper) ?case|all caps)\b")


def entered(text: str) -> list[Finding]:
    """A password given as what to type ("Type in correct horse battery staple, all one word",
    "enter december, oh, nine, star, star"): only when it is described as one."""
    for m in ENTRY.finditer(text):
        said = "it's " + text[m.end() :]
        reply = REPLY.match(said)
        if reply is None:
            continue
        found = described(said, reply)
        if found is None:
            words = re.split(r"[,.;!?]", said[reply.start("value") :], maxsplit=1)[0].split()
            after = said[reply.start("value") + len(" ".join(words)) :]
            plain = not {w.lower() for w in words} & (PHRASE_NOT | ENTRY_NOT)
            if 3 <= len(words) <= 5 and plain and HINT_NEXT.match(after):
                value = " ".join(words)
                found = Finding("password", reply.start("value"), reply.start("value") + len(value),
                                0.8, "context", value)  # fmt: skip
        if found is not None:
            return shifted([found], m.end() - len("it's "))
    return []


def described(text: str, reply: re.Match) -> Finding | None:
    """A password described piece by piece in reply: its word, its capitals, its digits."""
    start = reply.start("value")
    rest = re.split(r"[.;!?](?:\s|$)", text[start:], maxsplit=1)[0]
    numbers = [n for n in NUMBER_RUN.finditer(rest) if not UNITS.match(rest[n.end() :])]
    if not DESCRIBED.search(rest) or not numbers or rest.split()[0].lower() in PHRASE_NOT:
        return None  # "It's twelve characters with a capital": a rule, not a password
    return Finding("password", start, start + len(rest), 0.8, "context", rest)
