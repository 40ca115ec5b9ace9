"""Which secrets to alert on, once each, and how to say which one it was.

`SecretAlerts.check(session_id, text, place)` runs the detectors and returns the secrets not
alerted before: one alert per secret per session (the same card read out twice, or a screen
shown for a minute, alerts once), and per place — an utterance with all its revisions, or a
screen scene with its updates — no more alerts of a kind than the place ever showed, so a
refined transcript that shows the same password differently does not alert again. Parts of
one secret read out together (a card's number, expiry and security code; an account and its
routing number) are one alert. It also carries context across turns: after "what's the PIN
for the mailbox?", a reply that is only a number is that PIN.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from copilot.intelligence import validators as v
from copilot.intelligence.findings import Finding
from copilot.intelligence.readout import (
    UNITS,
    spelled_iban_at,
    spelled_id_at,
    spelled_key_at,
    value_digits,
)
from copilot.intelligence.sensitive import detect
from copilot.intelligence.spoken_password import (
    ACK,
    DESCRIBED,
    NUMBER_RUN,
    PHRASE_HINT,
    REPLY,
    described,
    entered,
    passphrase,
    shifted,
    spelled_shape,
)

MAX_KEYS = 50_000
PART_GAP = 60  # characters between two parts of one secret read out together
CONTEXT_TURNS = 2
SAID_AFTER = 2  # sentences after naming a secret in which its value may follow
FAMILY = {"pin": "password", "credential": "password", "private_key": "api_key"}
LABELS = {
    "card_number": "card number",
    "password": "password",
    "pin": "PIN",
    "credential": "login",
    "api_key": "API key",
    "private_key": "private key",
    "iban": "IBAN",
    "account_number": "account number",
    "ssn": "social security number",
    "national_id": "national id",
}
MENTION = [
    # the card's security details first: the reply to "the expiry and the three digits on the
    # back?" is a short number, not a card number
    ("card_details", re.compile(
        r"(?i)\bexpiry|\bexpiration|\b(?:three|3|four|4) digits\b|\bsecurity code|\bcvv\b|"
        r"\bcvc\b")),
    ("card_number", re.compile(
        r"(?i)\bcard (?:number|details)|number on the card|\bcard on file\b|"
        r"\b(?:new|old|replacement|credit|debit) card\b|"
        r"\b(?:the|her|his|my|your|their|our) (?:[\w-]+ )?card\b"
        r"(?! (?:reader|machine|table|game|trick|at|on the))")),
    ("iban", re.compile(r"(?i)\biban\b")),
    ("account_number", re.compile(r"(?i)\baccount (?:number|details)|\bsort code|\brouting")),
    ("national_id", re.compile(
        r"(?i)\bpassports?\b|\bnational (?:id|identity|insurance)\b|\bid (?:card )?number|"
        r"\blicen[cs]e number|\bidentity (?:card )?number")),
    ("ssn", re.compile(
        r"(?i)\bsocial security\b|\bssn\b|\b(?:your|his|her|the) social\b(?! media| side| event| "
        r"team| committee| worker| care| housing| club)|\bsocial insurance")),
    ("pin", re.compile(
        r"(?i)\bpin\b|\bpass ?code|\b(?:safe|door|alarm|access) code|\bone[- ]time (?:code|pass)|"
        # "the drug room code", "the code for the linen store?", "have you got the code?"
        r"\b(?:room|store|cupboard|cabinet|locker|gate|building|entry|keypad|lock) code\b|"
        r"\bkey ?safe\b|\bkey ?box\b|\block ?box\b|\bpadlock\b|"
        # "the cellar door alarm got reset, new code is …": what it opens, then its code
        r"\b(?:door|alarm|gate|safe|lock|keypad|locker|shed|garage)\b[^.?!]{0,40}?\bcode\b"
        r"(?! (?:of|review|base|freeze|change|word|name)\b)|"
        # (a code for something it opens: not "the code for the conference", a discount)
        r"\bcode (?:for|to) (?:the|your|my|our) (?:[\w-]+ )?(?:room|door|gate|safe|lock|locker|"
        r"building|office|garage|cabinet|box|alarm|entrance|shed|vault|padlock|keypad|store|"
        r"cupboard|laptop|phone|tablet|account|portal|app|system|server)\b|"
        r"\b(?:the|a) code\b(?! (?:for|to|of|on|in) )(?=[^.!]*\?)|"
        r"\bverification code|\b(?:sms|text|login|2fa|mfa|security) code|\botp\b|"
        r"\bcode to your (?:phone|email|mobile)|\bcombination\b|"
        r"\bcode (?:from|in|on) (?:the|your|my|that) (?:text|sms|email|message|app|"
        r"authenticator)")),
    ("api_key", re.compile(
        r"(?i)\b(?:api|access) (?:key|token)|\bsecret key|\btokens?\b|"
        r"\bkey for (?:the|our|your)\b")),
    ("security_answer", re.compile(
        r"(?i)\b(?:memorable|security|secret) (?:question|answer|word)|\bmaiden name|"
        r"\bfirst (?:pet|dog|cat|school|car)\b")),
    ("password", re.compile(
        # "what's the guest wifi?" asks for its password; "which wifi do I join?" for its name
        r"(?i)\bpass ?words?\b|\bpassphrase|\bnetwork key\b|\bwi-?fi (?:password|key|code|login)|"
        # what a password opens: "I can't get into the staging box", "the router login"
        r"\bcan(?:'t|not) (?:get into|log ?in|sign in)|\blocked out of\b|\blogin details\b|"
        r"\b(?:router|admin|root|account|portal|test|vpn|server) login\b|"
        r"\bthe (?:guest )?wi-?fi(?: password)? is\b|"
        r"\b(?:what(?:'s| is)|got|have|know|need|share|send|give me) the (?:[\w-]+ )?"
        r"(?:wi-?fi|guest network)\b")),
]  # fmt: skip
# between naming a secret and its value in one sentence: "is", "'s", ":", ",", "to", "=", a space
NAMED_LINK = re.compile(r"(?i)(?:\s*(?:\bis\b|\bwas\b|'s\b|:|,|\bto\b|=))?[\s,:]*")
# "Staging is Marmalade99.": the reply names what it gives (only for a password-like value)
NAMED_REPLY = re.compile(
    rf"(?i)^{ACK}"
    r"(?:[a-z][\w-]*\s+){1,3}(?:is|was)\s+(?P<value>[^\s,.;!?]+)"
)
# "linen's two five eight oh", "the full one is five two three …": a reply naming what it gives
NAMED_VALUE = re.compile(
    rf"(?i)^{ACK}(?:[a-z][\w-]*\s+){{0,3}}?[a-z][\w-]*(?:'s|\s+(?:is|was|are))\s+(?=\S)"
)
# a password read out character by character: "capital B, L, U, E, exclamation mark, two"
SPELLED_WORD = re.compile(
    r"(?i)^(?:[a-z]|\d+|capital|upper|lower|case|uppercase|lowercase|small|zero|oh|one|two|"
    r"three|four|five|six|seven|eight|nine|exclamation|mark|point|at|sign|hash|dollar|"
    r"underscore|dash|hyphen|dot|star|asterisk|percent|ampersand|plus|double)$"
)
MOSTLY = 0.6  # a reply that is only the value asked for, give or take an "okay" and a full stop
SENTENCE = re.compile(r"[^.?!]+(?:[.?!]+|$)")
KEY_PREFIX = re.compile(r"^(?:sk-(?:proj-|live-|test-)?|sk_live_|sk_test_|AKIA|ASIA|ghp_|gho_|"
                        r"github_pat_|xox[abposr]-|AIza|eyJ)")  # fmt: skip


def family(kind: str) -> str:
    return FAMILY.get(kind, kind)


def hint(f: Finding) -> str:
    """Which secret, without it: the last 4 digits of a number, a key's prefix and last 4."""
    value = f.value or ""
    if f.detector == "redacted":
        return "redacted before it was read"
    if f.kind in ("card_number", "account_number", "iban", "ssn"):
        digits = value_digits(value) if not value.isdigit() else value
        if f.kind == "iban":
            return f"{value[:2].upper()}… ending {re.sub(r'[^0-9A-Za-z]', '', value)[-4:]}"
        return f"ending {digits[-4:]}" if len(digits) >= 8 else f"{len(digits)} digits"
    if f.kind == "api_key":
        prefix = KEY_PREFIX.match(value)
        return f"{prefix.group(0) if prefix else ''}…{value[-4:]}"
    if f.kind == "pin":
        return f"{len(value_digits(value)) or len(value)} digits"
    if f.kind in ("password", "credential"):
        return f"{len(''.join(value.split()))} characters"
    return f.kind


@dataclass(frozen=True)
class SecretAlert:
    kind: str
    confidence: float
    hint: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind.replace("_", " "))


def _norm(value: str) -> str:
    digits = value_digits(value)
    letters = "".join(ch for ch in value.lower() if ch.isalnum())
    return digits if len(digits) >= 3 and not re.search(r"[a-z]{3}", letters) else letters


def group_parts(findings: list[Finding]) -> list[list[Finding]]:
    """Findings of one kind read out next to each other (number, expiry, code) as one."""
    groups: list[list[Finding]] = []
    for f in sorted(findings, key=lambda f: f.start):
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and family(last.kind) == family(f.kind)
            and ("disclosure" in (last.detector, f.detector) or family(f.kind) == "password")
            and f.start - last.end <= PART_GAP
        ):
            groups[-1].append(f)
        else:
            groups.append([f])
    return groups


class SecretAlerts:
    """Alert bookkeeping for many sessions (bounded, thread-safe)."""

    def __init__(self, min_confidence: float = 0.7) -> None:
        self.min_confidence = min_confidence
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple, None] = OrderedDict()
        self._places: OrderedDict[tuple, Counter] = OrderedDict()
        self._asked: dict[str, tuple[str, int]] = {}  # session → (kind mentioned, turns left)

    def _remember(self, store: OrderedDict, key: tuple, value: Any) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > MAX_KEYS:
            store.popitem(last=False)

    def findings(self, session_id: str, text: str, place: Any = None) -> list[Finding]:
        """What `text` discloses, with the context of the turns before it."""
        found = detect(text, self.min_confidence)
        with self._lock:
            asked = self._asked.pop(session_id, None)
            if not found and asked is not None:
                found = self._reply_in(text, asked[0])
            if not found:
                found = self._said_after(text)
            if not found:
                found = spelled_shape(text) or entered(text)
            if not found:
                mentioned = next((k for k, rx in MENTION if rx.search(text)), None)
                if mentioned is not None:
                    self._asked[session_id] = (mentioned, CONTEXT_TURNS)
                elif asked is not None and asked[1] > 1:
                    self._asked[session_id] = (asked[0], asked[1] - 1)
        return found

    @classmethod
    def _said_after(cls, text: str) -> list[Finding]:
        """One speaker names the secret, then gives it a sentence or two later ("The drug
        room code changed on Sunday. It's four seven one nine.")."""
        sentences = _sentences(text)
        for i, (at, first) in enumerate(sentences):
            named = next(((k, m) for k, rx in MENTION if (m := rx.search(first))), None)
            if named is None:
                continue
            kind, mention = named
            found = cls._named_here(first, kind, mention)
            if found:
                return shifted(found, at)
            for offset, then in sentences[i + 1 : i + 1 + SAID_AFTER]:
                found = cls._reply(then, kind)
                if found:
                    return shifted(found, offset)
        return []

    @classmethod
    def _named_here(cls, sentence: str, kind: str, mention: re.Match) -> list[Finding]:
        """The value right after naming it ("the admin password to blue, dash, falcon …",
        "password, test, one, two, three"), read as if it were a reply to it."""
        link = NAMED_LINK.match(sentence, mention.end())
        if link is None or link.end() >= len(sentence):
            return []
        said = "it's " + sentence[link.end() :]
        return shifted(cls._reply(said, kind), link.end() - len("it's "))

    @classmethod
    def _reply_in(cls, text: str, kind: str) -> list[Finding]:
        """The reply to a secret asked for, in the reply's first sentence that gives one ("She
        emailed it over. It's one two, A B, …")."""
        found = cls._reply(text, kind)
        if found:
            return found
        sentences = _sentences(text)
        for offset, sentence in sentences if len(sentences) > 1 else []:
            found = cls._reply(sentence, kind)
            if found:
                return shifted(found, offset)
        return []

    @staticmethod
    def _reply(text: str, kind: str) -> list[Finding]:
        """A value said right after a secret was asked for or talked about."""
        text = text.strip()
        m = REPLY.match(text)
        named = NAMED_VALUE.match(text) if m is None else None
        if kind in NUMERIC:
            return _numbers_said(text, kind, m, named.end() if named else None)
        if kind in ("iban", "national_id"):
            # "Yeah, it's G B one three, N W B K, …"; "Sure, it's G zero four, seven seven, …"
            at = m.start("value") if m else named.end() if named else None
            bare = at is None  # "D, four, oh, oh, dash, …": the reply is only the value
            at = re.match(ACK, text).end() if bare else at
            read = spelled_iban_at if kind == "iban" else partial(spelled_id_at, confidence=0.8)
            found = read(text, at)
            if found is None or (bare and found.end - found.start < MOSTLY * len(text)):
                return []
            return [found]
        if kind == "password" and m is None:
            m = NAMED_REPLY.match(text.strip())
        if (
            kind == "password"
            and m is None
            and (PHRASE_HINT.search(text) or DESCRIBED.search(text))
        ):
            # "Sunflower ninety nine, all lowercase, no spaces.": a described reply needs no "it's"
            ack = re.match(ACK, text)
            said = "it's " + text[ack.end() :]
            return shifted(SecretAlerts._reply(said, kind), ack.end() - len("it's "))
        if m is None:
            return []
        if kind == "api_key":  # "Yeah, it's x o x b dash one two three …"
            key = spelled_key_at(text, m.start("value"))
            return [] if key is None else [Finding("api_key", key.start, key.end, 0.8, "context",
                                                   key.value)]  # fmt: skip
        value = m.group("value").rstrip(" ,.-")
        if kind == "security_answer":  # "It's Biscuit, my first dog's name."
            word = value.split()[0].strip("'\"")
            if len(word) < 2 or word.lower() in ANSWER_NOT:
                return []
            start = m.start("value")
            return [Finding("password", start, start + len(word), 0.8, "context", word)]
        parts = [p.strip() for p in re.split(r",\s*", value) if p.strip()]
        letters = sum(bool(re.fullmatch(r"(?i)(?:capital |upper ?case |lower ?case )?[a-z]", p))
                      for p in parts)  # fmt: skip
        spelled = all(SPELLED_WORD.match(w) for w in value.replace(",", " ").split())
        if len(parts) >= 4 and letters >= 3 and spelled:
            # spelled out, character by character: that is the password
            return [Finding(kind, m.start("value"), m.end("value"), 0.8, "context", value)]
        if kind != "password":
            return []
        phrase = passphrase(text, m) or described(text, m)
        if phrase is not None:
            return [phrase]
        # a password: one token, letters with digits or symbols
        token = value.split()[0].rstrip(",.;:")  # "It's fast, about …": the comma is not in it
        if len(token) < 4 or not re.search(r"\d|[^\w]", token) or not re.search(r"[A-Za-z]", token):
            return []
        value = token
        return [
            Finding(kind, m.start("value"), m.start("value") + len(value), 0.8, "context", value)
        ]

    def check(self, session_id: str, text: str, place: Any = None) -> list[SecretAlert]:
        """The secrets in `text` to alert on now (none already alerted, here or before)."""
        found = self.findings(session_id, text, place)
        out = []
        with self._lock:
            here = (
                self._places.get((session_id, place), Counter()) if place is not None else Counter()
            )
            count: Counter = Counter()
            for parts in group_parts(found):
                f = max(parts, key=lambda p: p.confidence)
                fam = family(f.kind)
                count[fam] += 1
                keys = [
                    (session_id, family(p.kind), _hash(_norm(p.value or text[p.start : p.end])))
                    for p in parts
                ]
                if any(k in self._values for k in keys):
                    for k in keys:
                        self._remember(self._values, k, None)
                    continue
                for k in keys:
                    self._remember(self._values, k, None)
                if count[fam] <= here[fam]:
                    continue  # this place already alerted this many of its kind
                here[fam] += 1
                out.append(SecretAlert(f.kind, f.confidence, hint(parts[0]), tuple(parts)))
            if place is not None:
                self._remember(self._places, (session_id, place), here)
        return out

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._asked.pop(session_id, None)


NUMERIC = {
    "pin": (3, 8),
    "ssn": (9, 9),
    "card_number": (12, 19),
    "card_details": (3, 8),
    "account_number": (6, 18),
}
ANSWER_NOT = frozenset(
    """a an the it that this my not no yes sure fine okay ok what which something right correct
    wrong true false done there here gone up over one same different easy hard simple""".split()  # noqa: SIM905
)


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, stripped text) of each sentence."""
    out = []
    for m in SENTENCE.finditer(text):
        raw = m.group(0)
        if raw.strip():
            out.append((m.start() + len(raw) - len(raw.lstrip()), raw.strip()))
    return out


def _numbers_said(
    text: str, kind: str, reply: re.Match | None, named_at: int | None = None
) -> list[Finding]:
    """After a number was asked for, the reply's number: said after "it's …" or after naming
    it ("linen's two five eight oh"), or the reply is mostly that number ("Oh nine twenty
    nine, and the code is five five two")."""
    low, high = NUMERIC[kind]
    runs = [
        r
        for r in NUMBER_RUN.finditer(text, named_at or 0)
        if len(value_digits(r.group(0))) >= 3 and not UNITS.match(text[r.end() :])
    ]  # "four hundred dollars", "twelve hundred people" are amounts, not the number asked
    if named_at is not None and runs and runs[0].start() != named_at:
        runs = []  # named something else first ("the meeting is at …"): not the value
    if not runs:
        return []
    digits = sum(len(value_digits(r.group(0))) for r in runs)
    spoken = sum(len(r.group(0).split()) for r in runs)
    mostly = spoken >= 0.6 * len(text.split())
    if reply is None and named_at is None and not mostly:
        return []
    if kind == "ssn":
        d = value_digits(" ".join(r.group(0) for r in runs))
        if len(d) != 9 or not v.ssn_ok(d[:3], d[3:5], d[5:]):
            return []
    if not low <= digits <= high and not any(
        low <= len(value_digits(r.group(0))) <= high for r in runs
    ):
        return []
    start, end = runs[0].start(), runs[-1].end()
    found = "card_number" if kind == "card_details" else kind
    return [Finding(found, start, end, 0.8, "context", text[start:end])]


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]
