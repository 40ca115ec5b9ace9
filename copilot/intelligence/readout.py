"""Secrets read out: numbers after saying what they are, and keys spelled out.

Speech recognisers do not write a secret read aloud the way a screen shows it: a card number
comes out as "41, 41, …" groups that fail every checksum, a key as "A K I A, J seven Q two,
…". Neither matches a pattern of the secret itself, so here the words before it ("my card
number is", "the token is") say what it is, and the value is whatever follows that reads
like one (digits, digit words, letters spelled out and short mixed groups).
"""

from __future__ import annotations

import re

from copilot.intelligence import validators as v
from copilot.intelligence.findings import Finding
from copilot.intelligence.spoken import DIGITS, normalise

# -- numbers read out after saying what they are (digits may be garbled) -----------------------
# "my card number is 41, 41, 41, 41 …": ASR breaks a number read out into groups that fail
# every checksum, so the context says what it is. Each cue names a kind and how many digits
# its value has; the value is the run of digits, digit words and separators after the cue
# (and a short "is" / "it's" / ":" between). Spans cover the words as spoken.
CUES: list[tuple[str, str, int, int, float]] = [
    (
        "card_number",
        r"(?:credit |debit |corporate |company |new |old |visa |master ?card |amex )?card"
        r"(?:'s)?(?: number| no\.?| num)?|(?:the )?long number on the card",
        12,
        19,
        0.86,
    ),
    (
        "card_number",
        r"cvv|cvc|cvv2|security code|(?:three|3|four|4) digits on the back",
        3,
        4,
        0.86,
    ),
    (
        "card_number",
        r"expiry(?: date)?|expiration(?: date)?|expires|valid (?:until|thru)",
        4,
        4,
        0.75,
    ),
    (
        "account_number",
        r"(?:bank |checking |savings |current )?account (?:number|no\.?|num)|"
        r"acct(?: number| no\.?)?|routing(?: number)?|sort code|bsb",
        6,
        18,
        0.86,
    ),
    (
        "pin",
        r"pin(?: code| number)?|pass ?code|(?:safe|door|alarm|gate|lock|entry|access|building|"
        r"garage|keypad|login|verification|one[- ]time|2fa|mfa|unlock|combination) code|"
        r"combination|combo|(?:key ?safe|key ?box|lock ?box|padlock|keypad)(?: code| combo)?|"
        # "the code for the storage room": a code that opens something
        r"(?<!error )(?<!status )(?<!zip )(?<!postal )(?<!area )(?<!promo )(?<!discount )"
        r"(?<!coupon )(?<!source )(?<!country )"
        r"code (?:for|to|on) (?:the |my |our )?(?:[\w-]+ )?(?:room|door|gate|safe|lock|locker|"
        r"building|office|garage|cabinet|box|alarm|entrance|shed|vault|padlock|keypad)",
        3,
        8,
        0.88,
    ),
    (
        "ssn",
        r"social(?: security)?(?: number| no\.?)?|ssn|social insurance number",
        9,
        9,
        0.88,
    ),
]
_NUMWORD = (
    r"zero|oh|o|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|double|triple|niner|to|too|for|ate"
)
# "one nine uh for for six": a filler between digits is a pause, not the end of the number
_VALUE = (
    rf"(?:\d+|(?:{_NUMWORD})\b)"
    rf"(?:(?:[\s,.\-/]|\bdash\b|\b(?:uh|um|er|erm)\b)*(?:\d+|(?:{_NUMWORD})\b))*"
)
NUMBER_SAID = rf"(?i:{_VALUE})"  # a value that is only a number, spoken or written
# between the cue and the value: a few words ("for the shared mailbox", "again,") and "is" / ":"
_LINK = (
    r"(?:(?:[\s,]+[\w'-]+){0,4}?[\s,]*(?:\b(?:is|was|are|reads|will be|is now|it's|it is|"
    r"read out|something like|like|enter|type in|punch in|key in)\b|'s|:|=))?"
    r"\s*(?:like\s+)?(?:[\s,]*(?:um|uh|er|erm)\b[\s,]*)*"  # "his social is, uh, oh four one"
)
UNITS = re.compile(
    r"^\s*(?:%|percent|per cent|characters|chars|digits|letters|minutes|mins|seconds|hours|days|"
    r"weeks|months|years|times|people|users|dollars|euros|pounds|k\b|million|grand|seats|attempts)",
    re.I,
)
_CUE_RX = [
    (kind, re.compile(rf"(?i)\b(?:{cue})\b{_LINK}(?P<value>{_VALUE})"), lo, hi, conf)
    for kind, cue, lo, hi, conf in CUES
]


CARD_WORDS = re.compile(r"(?i)\bcard|\bvisa\b|master ?card|\bamex\b|\bcvv|\bcvc\b|credit|debit")


# "punch in nine nine three one on the keypad", "enter two two five oh at the gate"
KEYED_IN = re.compile(
    rf"(?i)\b(?:punch|key|tap|type) in\s+(?P<value>{_VALUE})\s+(?:on|at|into|in) the "
    r"(?:[\w-]+ )?(?:keypad|door|gate|panel|alarm|lock|safe|box|pad)\b"
)


def detect_keyed_in(text: str) -> list[Finding]:
    out = []
    for m in KEYED_IN.finditer(text):
        digits = value_digits(m.group("value"))
        if 3 <= len(digits) <= 8:
            out.append(Finding("pin", m.start("value"), m.end("value"), 0.85, "keyed_in", digits))
    return out


def value_digits(value: str) -> str:
    """The digits a spoken or written value reads as ("four one, 41" → "4141")."""
    from copilot.text.numbers import numbers_to_digits

    homophones = re.sub(r"(?i)\b(?:to|too)\b", "two", value)
    homophones = re.sub(r"(?i)\bfor\b", "four", homophones)
    homophones = re.sub(r"(?i)\bate\b", "eight", homophones)
    homophones = re.sub(r"(?i)\b(?:oh|o)\b", "zero", homophones)
    text = numbers_to_digits(normalise(homophones))
    return re.sub(r"\D", "", text)


def detect_disclosures(text: str) -> list[Finding]:
    out = []
    for kind, rx, lo, hi, conf in _CUE_RX:
        for m in rx.finditer(text):
            value = m.group("value").rstrip(" ,.-/")
            digits = value_digits(value)
            if not lo <= len(digits) <= hi or UNITS.match(text[m.start("value") + len(value) :]):
                continue
            if kind == "card_number" and lo < 12 and not CARD_WORDS.search(text):
                continue  # "expires twenty thirty one" of a passport: no card said
            if kind == "card_number" and lo >= 12 and v.is_card(digits):
                conf = 0.97
            if kind == "ssn" and not v.ssn_ok(digits[:3], digits[3:5], digits[5:]):
                continue  # never issued: a number, not someone's SSN
            start = m.start("value")
            out.append(Finding(kind, start, start + len(value), conf, "disclosure", digits))
    return out


# -- keys and tokens spelled out -----------------------------------------------------------------
KEY_CUE = re.compile(
    r"(?i)\b(?:api key|access key(?: id)?|secret key|client secret|key id|secret|token|key)\b"
    # "the key for the prototype is", "the Stripe key, it's"
    r"(?:(?:[\s,]+(?!is\b|it's\b)[\w'-]+){0,4}?[\s,]*(?:\b(?:is|was|reads|it's|it is)\b|:))?"
    r"[\s,:]*(?:(?:um|uh|er|erm)\b[\s,]*)*"
)
_KEY_TOKEN = re.compile(r"[A-Za-z0-9]+")
_GAP = re.compile(r"[\s,]*(?:(?:um|uh|er|erm)\b[\s,]*)*")  # between pieces spelled out ("…, uh, …")
_SPOKEN_DIGITS = {word: d for word, d in DIGITS.items() if d is not None}
_MISHEARD = {"ate": "8", "for": "4", "to": "2", "too": "2"}  # digits written as the word heard
_SYMBOLS = {"underscore": "_", "dash": "-", "hyphen": "-", "dot": "."}
_SKIP = frozenset({"capital", "uppercase", "lowercase", "upper", "lower", "case", "then"})
# letters the recogniser writes as words when a value is spelled out ("four queue" = 4Q)
LETTER_NAMES = {
    "queue": "Q", "cue": "Q", "ex": "X", "zed": "Z", "zee": "Z", "jay": "J", "kay": "K",
    "aitch": "H", "tee": "T", "vee": "V", "dee": "D", "gee": "G", "pee": "P", "bee": "B",
    "why": "Y",
}  # fmt: skip
MIN_SPOKEN_KEY = 12  # characters, of which at least 3 digits and 3 letters


_HOMOPHONES = {"for": "4", "to": "2", "too": "2", "ate": "8"}
# not a piece even inside a run: where the reading stops ("… nine, and the rest is …")
_RUN_STOP = frozenset(
    ["and", "the", "then", "so", "but", "is", "it's", "that", "this", "rest", "it", "or", "with"]
)


def _key_piece(token: str, inside: bool = False) -> str | None:
    """What one spoken token adds to a key, or None when it is an ordinary word; `inside` a
    run already begun, "for" is 4 and a short lowercase word is part of it ("W H sec …")."""
    low = token.lower()
    if inside and low in _HOMOPHONES:
        return _HOMOPHONES[low]
    if len(token) == 1 or token.isdigit():
        return token
    if low in _SPOKEN_DIGITS:
        return _SPOKEN_DIGITS[low]
    if low in _SYMBOLS:
        return _SYMBOLS[low]
    if low in LETTER_NAMES:
        return LETTER_NAMES[low]
    if low in _SKIP:
        return ""
    mixed = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
    if (mixed and len(token) <= 12) or (token.isupper() and len(token) <= 6):
        return token
    if inside and token.isalpha() and len(token) <= 4 and low not in _RUN_STOP:
        return token
    return None


def detect_spoken_keys(text: str) -> list[Finding]:
    """A key or token read out piece by piece after saying what it is: "the token is G H P
    underscore four four x y z …", "the secret key is Q7 F2 L9 X4 …"."""
    found = (spelled_key_at(text, cue.end()) for cue in KEY_CUE.finditer(text))
    return [f for f in found if f is not None]


def spelled_key_at(text: str, pos: int) -> Finding | None:
    """The key spelled out from `pos` on, if what follows reads as one."""
    value, start, end = _spelled(text, pos, _key_piece)
    if start is None:
        return None
    digits = sum(c.isdigit() for c in value)
    letters = sum(c.isalpha() for c in value)
    pieces = len(_KEY_TOKEN.findall(text[start:end]))
    mixed = digits >= 3 and letters >= 3
    long = len(value) >= 18 and letters >= 8 and digits >= 1  # "E Y J H B G C I O I …"
    if pieces >= 4 and len(value) >= MIN_SPOKEN_KEY and (mixed or long):
        return Finding("api_key", start, end, 0.85, "spoken_key", value)
    return None


# a key spelled out with no word for it, known by its prefix ("G H P underscore, capital A …")
SPELLED_PREFIX = re.compile(
    r"(?i)^(?:ghp_|gho_|github_pat_|sk_live_|sk_test_|sk-|akia|asia|xox[abpr]-|whsec_|eyj)"
)
RUN_START = re.compile(r"\b[A-Za-z](?=[\s,]+(?:[A-Za-z]|underscore|dash)\b)")


def detect_prefixed_keys(text: str) -> list[Finding]:
    """Keys spelled out whose first characters are a known key prefix."""
    out: list[Finding] = []
    for m in RUN_START.finditer(text):
        if out and m.start() < out[-1].end:
            continue
        value, start, end = _spelled(text, m.start(), _key_piece)
        if start is not None and len(value) >= MIN_SPOKEN_KEY and SPELLED_PREFIX.match(value):
            out.append(Finding("api_key", start, end, 0.85, "spoken_key", value))
    return out


IBAN_CUE = re.compile(r"(?i)\biban\b(?:\s+(?:is|was|it's|it is|reads)\b|\s*:)?[\s,:]*")


_LEAD = re.compile(r"[\s,:]*(?:(?:um|uh|er|erm|so|it's|it is)\b[\s,:]*)*")


def _spelled(text: str, pos: int, piece) -> tuple[str, int | None, int | None]:
    """The value spelled out from `pos` (after any "uh, it's"): the pieces `piece` accepts,
    joined; its span."""
    pieces, start, end = [], None, None
    pos = _LEAD.match(text, pos).end()
    while True:
        m = _KEY_TOKEN.match(text, pos)
        value = piece(m.group(0), bool(pieces)) if m else None
        if value is None:
            break
        pieces.append(value)
        start = m.start() if start is None else start
        end = m.end()
        pos = _GAP.match(text, m.end()).end()
    return "".join(pieces), start, end


def _iban_piece(token: str, inside: bool = False) -> str | None:
    """A piece of an IBAN or an id number spelled out: letters, digits, short groups (a
    spoken dash between them adds nothing)."""
    if len(token) == 1 or token.isdigit() or (token.isupper() and len(token) <= 4):
        return token.upper()
    if inside and token.lower() in ("dash", "hyphen"):
        return ""
    mixed = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
    if mixed and len(token) <= 10:
        return token.upper()
    low = token.lower()
    if low == "ate" or (inside and low in _MISHEARD):  # "five three four four ate one …"
        return _MISHEARD[low]
    return _SPOKEN_DIGITS.get(low) or LETTER_NAMES.get(low)


def detect_spoken_ibans(text: str) -> list[Finding]:
    """An IBAN read out after saying so ("my IBAN is G B eight two, W E S T, one two …"):
    letters and digits spelled out, kept when the checksum holds."""
    found = (spelled_iban_at(text, cue.end()) for cue in IBAN_CUE.finditer(text))
    return [f for f in found if f is not None]


def spelled_iban_at(text: str, pos: int) -> Finding | None:
    """An IBAN spelled out from `pos` on: certain when its checksum holds; when a misheard
    digit breaks it, the shape (and whatever said it was an IBAN) still does."""
    value, start, end = _spelled(text, pos, _iban_piece)
    if start is None:
        return None
    for cut in range(len(value), 14, -1):  # it may run into what follows
        if v.iban_ok(value[:cut]):
            return Finding("iban", start, end, 0.95, "spoken_iban", value[:cut])
    if IBAN_SHAPE.match(value):
        return Finding("iban", start, end, 0.8, "spoken_iban", value)
    return None


IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
IBAN_START = re.compile(
    r"\b(?:[A-Z] [A-Z]|[A-Z]{2})[\s,]+(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine)\b"
)


def detect_iban_shapes(text: str) -> list[Finding]:
    """An IBAN spelled out with no word for it ("pay it to G B two nine, N W B K, …"): two
    letters, two check digits and a long run of letters and digits, checksum or not."""
    out = []
    for m in IBAN_START.finditer(text):
        f = spelled_iban_at(text, m.start())
        if f is not None and len(f.value or "") >= 15 and not any(o.overlaps(f) for o in out):
            out.append(f)
    return out


# -- id numbers read out after saying what they are ------------------------------------------------
ID_CUE = re.compile(
    r"(?i)\b(?:passport(?: number| no\.?)?|national (?:id|identity|insurance)(?: card)?"
    r"(?: number| no\.?)?|id (?:card )?number|identity (?:card )?number|"
    r"(?:driver'?s|driving) licen[cs]e(?: number)?|licen[cs]e number|tax (?:id|file number)|"
    rf"nhs number|medicare number|aadhaa?r(?: number)?)(?:s)?\b{_LINK}"
)
ID_LENGTH = (6, 18)  # characters of a passport / id / licence number, at least 5 digits


def spelled_id_at(text: str, pos: int, confidence: float = 0.85) -> Finding | None:
    """An id number spelled out from `pos` on ("G zero four, seven seven, one nine two")."""
    value, start, end = _spelled(text, pos, _iban_piece)
    digits = sum(c.isdigit() for c in value)
    if start is None or not ID_LENGTH[0] <= len(value) <= ID_LENGTH[1] or digits < 5:
        return None
    return Finding("national_id", start, end, confidence, "spoken_id", value)


def detect_spoken_ids(text: str) -> list[Finding]:
    """A passport, licence or national id number read out after saying which it is."""
    found = (spelled_id_at(text, cue.end()) for cue in ID_CUE.finditer(text))
    return [f for f in found if f is not None]
