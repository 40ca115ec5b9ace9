"""Sensitive content in speech or screen text: card numbers (Luhn, also read out as words),
passwords and credentials, API keys and tokens, national ids (US SSN, UK NINO), IBANs
(mod-97) and private keys — with a confidence per finding and optional redaction.

Precision comes from validation, not just shape: checksums, issuer prefixes, SSN rules,
entropy for generic secrets, and context that vetoes ("order number …") or supports ("card").
Third parties add detectors with `register_detector` or simple patterns with `register_pattern`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from copilot.intelligence import validators as v
from copilot.intelligence.findings import Finding
from copilot.intelligence.readout import (
    IBAN_START,
    RUN_START,
    UNITS,
    detect_disclosures,
    detect_iban_shapes,
    detect_keyed_in,
    detect_prefixed_keys,
    detect_spoken_ibans,
    detect_spoken_ids,
    detect_spoken_keys,
)
from copilot.intelligence.spoken import normalise_with_map

Detector = Callable[[str], list[Finding]]
Gate = Callable[[str], object]
_DETECTORS: dict[str, Detector] = {}
_GATES: dict[str, Gate] = {}


def register_detector(name: str, fn: Detector, gate: Gate | None = None) -> None:
    """Add a detector: `fn(text) -> [Finding]`. It sees the text as spoken/shown and again
    with spoken digits normalised ("four one …" → "41…"); spans are mapped back.

    `gate(text)`, if given, is a cheap test that is true of every text `fn` finds anything
    in (a necessary condition, e.g. "has 12 digits"); where it is false `fn` is not called.
    Every event's text passes through here before it is stored, so this is what keeps
    redaction cheap on the ordinary sentences that are most of a meeting."""
    _DETECTORS[name] = fn
    if gate is None:
        _GATES.pop(name, None)
    else:
        _GATES[name] = gate


_DIGIT = re.compile(r"\d")


def _digits(n: int) -> Gate:
    """Gate: the text has at least `n` digits (most sentences have none: one quick search)."""
    return lambda text: _DIGIT.search(text) is not None and len(_DIGIT.findall(text)) >= n


def _literals(*parts: str, any_case: bool = False) -> Gate:
    """Gate: one of `parts` is in the text (as written, or in any case: `parts` lower case)."""

    def gate(text: str) -> bool:
        if any_case:
            text = text.lower()
        # a plain loop, not any(…): this runs on every sentence and the generator costs twice
        for p in parts:  # noqa: SIM110
            if p in text:
                return True
        return False

    return gate


def _words(*words: str) -> Gate:
    """Gate: one of `words` (lower case) is in the text, in any case."""
    return _literals(*words, any_case=True)


def register_pattern(
    kind: str,
    pattern: str | re.Pattern,
    confidence: float = 0.9,
    validate: Callable[[str], bool] | None = None,
    name: str | None = None,
) -> None:
    """Add a regex detector; group 1 (or the whole match) is the value, `validate` may veto."""
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern

    def detect_pattern(text: str) -> list[Finding]:
        out = []
        for m in rx.finditer(text):
            g = 1 if m.groups() else 0
            if validate is None or validate(m.group(g)):
                out.append(
                    Finding(kind, m.start(g), m.end(g), confidence, name or kind, m.group(g))
                )
        return out

    register_detector(name or f"pattern:{kind}:{rx.pattern[:30]}", detect_pattern)


def _context(text: str, start: int, end: int, before: int = 40, after: int = 20) -> str:
    return text[max(0, start - before) : end + after].lower()


# -- numbers ------------------------------------------------------------------------------------
NUMBER = re.compile(r"(?<![\w$£€.,])\d(?:[ -]?\d){11,18}(?![\w%])")
#: A card read out in groups that ASR writes with commas ("4242, 4242, 4242, 4242").
CARD_GROUPS = re.compile(r"(?<![\w$£€.,])\d{4}(?:, \d{4}){2,3}(?:, \d{1,4})?(?![\w%]|, \d)")
CARD_SUPPORT = re.compile(r"card|visa|master ?card|amex|american express|credit|debit|cvv|expir")
CARD_VETO = re.compile(
    r"order|invoice|tracking|reference|\bref\b|ticket|confirmation|serial|isbn|phone|call me|"
    r"\bext\b|shipment|parcel|case number|booking|account id|customer id|po number|imei|\bsku\b|"
    r"product code|model number|"
    r"part number|barcode|\bupc\b|\bean\b|serial"
)


def _overlap(a: re.Match, b: re.Match) -> bool:
    return a.start() < b.end() and b.start() < a.end()


def detect_cards(text: str) -> list[Finding]:
    out: list[Finding] = []
    matches = list(NUMBER.finditer(text))
    matches += [g for g in CARD_GROUPS.finditer(text) if not any(_overlap(g, m) for m in matches)]
    for m in matches:
        digits = re.sub(r"\D", "", m.group(0))
        if not v.is_card(digits):
            continue
        ctx = _context(text, m.start(), m.end())
        support = bool(CARD_SUPPORT.search(ctx))
        if CARD_VETO.search(ctx) and not support:
            continue
        conf = 0.97 if support else 0.9
        out.append(Finding("card_number", m.start(), m.end(), conf, "card", m.group(0)))
    return out


SSN = re.compile(r"(?<![\w-])(\d{3})([ -]?)(\d{2})\2(\d{4})(?![\w-])")
SSN_SUPPORT = re.compile(r"social security|\bssn\b|social insurance|taxpayer|\btin\b")


def detect_ssn(text: str) -> list[Finding]:
    out = []
    for m in SSN.finditer(text):
        area, sep, group, serial = m.groups()
        if not v.ssn_ok(area, group, serial):
            continue
        support = bool(SSN_SUPPORT.search(_context(text, m.start(), m.end(), 60)))
        if sep != "-" and not support:
            continue  # 9 bare digits are usually something else (ids, amounts, phone parts)
        conf = 0.95 if support else 0.8
        out.append(Finding("ssn", m.start(), m.end(), conf, "ssn", m.group(0)))
    return out


NINO = re.compile(r"\b([A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D])\b")
NINO_SUPPORT = re.compile(r"national insurance|\bni number|\bnino\b")


def detect_nino(text: str) -> list[Finding]:
    out = []
    for m in NINO.finditer(text):
        if v.nino_ok(m.group(1)):
            support = bool(NINO_SUPPORT.search(_context(text, m.start(), m.end(), 60)))
            conf = 0.95 if support else 0.85
            out.append(Finding("national_id", m.start(), m.end(), conf, "uk_nino", m.group(1)))
    return out


IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30})\b")


def detect_iban(text: str) -> list[Finding]:
    out = []
    for m in IBAN.finditer(text):
        raw = m.group(1).rstrip()
        # the match may run into following words: shrink until the checksum holds
        for end in range(len(raw), 13, -1):
            if v.iban_ok(raw[:end]):
                s = m.start(1)
                out.append(Finding("iban", s, s + end, 0.97, "iban", raw[:end]))
                break
    return out


# -- secrets --------------------------------------------------------------------------------------
KEY_PATTERNS: list[tuple[str, str, float]] = [
    ("aws_access_key", r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b", 0.97),
    ("github_token", r"\b(gh[pousr]_[A-Za-z0-9]{36,255})\b", 0.98),
    ("github_token", r"\b(github_pat_[A-Za-z0-9_]{22,255})\b", 0.98),
    ("slack_token", r"\b(xox[abposr]-[A-Za-z0-9-]{10,})\b", 0.97),
    ("openai_key", r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})\b", 0.95),
    ("stripe_key", r"\b((?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,})\b", 0.96),
    ("google_api_key", r"\b(AIza[0-9A-Za-z_-]{35})\b", 0.97),
    ("jwt", r"\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})", 0.95),
]
_KEY_RX = [(name, re.compile(rx), conf) for name, rx, conf in KEY_PATTERNS]
GENERIC_SECRET = re.compile(
    r"(?i)\b(?:api[ _-]?key|access[ _-]?key|secret(?:[ _-]?key)?|(?:auth|access|bearer|api)?"
    r"[ _-]?token|client[ _-]?secret|bearer)\b[\"']?\s*(?:is|was|=|:|->)?\s*[\"']?"
    r"([A-Za-z0-9_\-+/=.]{16,})"
)


def detect_keys(text: str) -> list[Finding]:
    out = []
    for name, rx, conf in _KEY_RX:
        for m in rx.finditer(text):
            out.append(Finding("api_key", m.start(1), m.end(1), conf, name, m.group(1)))
    for m in GENERIC_SECRET.finditer(text):
        token = m.group(1).rstrip(".")
        if v.looks_random(token):
            out.append(
                Finding("api_key", m.start(1), m.start(1) + len(token), 0.82, "generic", token)
            )
    return out


PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----)?"
)


# read aloud: "dash dash dash dash dash begin RSA private key …", "begin open SSH private key"
SPOKEN_PRIVATE_KEY = re.compile(
    r"(?i)\bbegin(?: (?:rsa|ec|dsa|open ?ssh|pgp|encrypted))? private key(?: block)?\b"
    r"(?:[^.?!]*[.?!]?){0,2}"
)
# a wallet's seed phrase is its private key: "the seed phrase is orbit, salad, tiger, …"
SEED_PHRASE = re.compile(
    r"(?i)\b(?:seed|mnemonic|wallet recovery) phrase\b[^.?!]{0,20}?\b(?:is|was|it's)\b[\s,:]*"
    r"(?:(?:um|uh|er)\b[\s,]*)*(?P<words>[a-z]+(?:,?\s+[a-z]+){5,})"
)


def detect_private_keys(text: str) -> list[Finding]:
    out = [
        Finding("private_key", m.start(), m.end(), 0.99, "pem", m.group(0)[:40])
        for m in PRIVATE_KEY.finditer(text)
    ]
    out += [
        Finding("private_key", m.start(), m.end(), 0.9, "spoken_private_key", m.group(0)[:40])
        for m in SPOKEN_PRIVATE_KEY.finditer(text)
    ]
    out += [
        Finding("private_key", m.start("words"), m.end("words"), 0.9, "seed_phrase", "")
        for m in SEED_PHRASE.finditer(text)
    ]
    return out


# -- passwords read out or shown ----------------------------------------------------------------
_FILLER = r"(?:um|uh|er|erm|let me (?:think|see|check)|hang on|sorry)"
PASSWORD = re.compile(
    r"(?i)\b(?P<what>(?:(?:admin|root|wi-?fi|database|db|server|account|login|vpn|master|email|"
    r"system|user|router|door|alarm|safe|bank|laptop|admin|online banking|banking)\s+)?"
    r"(?:password|pass word|passcode|pass code|passphrase|pass phrase|pin(?: code| number)?|"
    r"login code|access code|secret word|(?:wi-?fi|network|wpa) key|(?:recovery|seed) phrase|"
    r"recovery (?:code|key)))"
    r"(?:\s+(?:for|to|of|on) (?:the |my |our )?[\w-]+)?"
    # said, not written: fillers, "…, it's, um, …", "the password? It's …"
    rf"(?:,?\s*{_FILLER}\b)*[,?]?"
    r"\s*(?:is|was|=|:|'s|is just|will be|is now|has been changed to|changed to|is set to|it's|"
    rf"it is)\s*(?:,?\s*{_FILLER}\b,?)*\s*"
    r"[\"'“]?(?P<value>[^\s.,;!?\"”]+(?:\s+(?!and\b|but\b|so\b|then\b|if\b|because\b|okay\b|"
    r"please\b|which\b|that\b)[^\s.,;!?\"”]+){0,3})"
)
# "username editor, password Quill-2027": no "is", so only a value that looks like a password
PASSWORD_BARE = re.compile(
    r"(?i)\b(?:password|passcode|passphrase)\s+(?P<value>(?=[^\s.,;!?]*\d)(?=[^\s.,;!?]*[a-z])"
    r"[^\s.,;!?]{4,})"
)
NOT_A_PASSWORD = frozenset(
    """not wrong incorrect expired required correct changed reset same stored saved secure
    insecure weak strong too very in on at the a an case different missing empty blank protected
    set updated needed long short hard easy it that this something somewhere there here what
    your my our their still also now being going supposed fine ok okay good bad great simple
    complicated known unknown new old temporary changing written shared attached below above
    listed printed invalid valid expiring locked managed rotated generated sent emailed
    encrypted hashed hidden visible mandatory optional one the_same all any no only with
    """.split()  # noqa: SIM905
)
CREDENTIALS = re.compile(
    r"(?i)\b(?:credentials?|login|username and password|user name and password)"
    r"(?:\s+(?:for|to|of|on) (?:the |my |our )?[\w-]+(?: [\w-]+)?)?\s+(?:are|is|:)\s*"
    r"(?P<value>[^\s,;!?]+\s*(?:/|and|,|slash)\s*[^\s.,;!?]+)"
)


# the answer to a security question said with it: "for the security questions, the answer to
# city you were born in is Dundee", "my mother's maiden name is Okafor"
SECURITY_ANSWER = re.compile(
    r"(?i)(?:\b(?:security|memorable|secret) (?:questions?|answers?|word)\b.{0,60}?"
    r"\b(?:answer|it)\b.{0,40}?|\b(?:mother's|mothers) maiden name |\bmemorable word )"
    r"(?:is|was|'s)\s+(?P<value>[A-Za-z][\w'-]{1,30})"
)


def detect_security_answers(text: str) -> list[Finding]:
    out = []
    for m in SECURITY_ANSWER.finditer(text):
        if m.group("value").lower() in NOT_A_PASSWORD:
            continue
        out.append(Finding("password", m.start("value"), m.end("value"), 0.85, "answer",
                           m.group("value")))  # fmt: skip
    return out


def detect_passwords(text: str) -> list[Finding]:
    out = []
    for m in PASSWORD.finditer(text):
        value = m.group("value")
        first = value.split()[0].lower().strip("'\"")
        if first in NOT_A_PASSWORD or first.startswith("[redacted"):
            continue
        if UNITS.match(value[len(value.split()[0]) :]):
            continue  # "the PIN is 12 digits long": a rule about the secret, not the secret
        conf = 0.88
        if re.search(r"\d|[^\w\s]", value) or len(value.split()) >= 2:
            conf += 0.05
        if re.match(r"(?i)admin|root|master|wi-?fi|vpn|database|db", m.group("what")):
            conf += 0.03
        kind = "pin" if m.group("what").lower().startswith("pin") else "password"
        conf = round(min(conf, 0.98), 2)
        out.append(Finding(kind, m.start("value"), m.end("value"), conf, kind, value))
    for m in PASSWORD_BARE.finditer(text):
        if not any(f.start <= m.start("value") < f.end for f in out):
            out.append(Finding("password", m.start("value"), m.end("value"), 0.85, "password",
                               m.group("value")))  # fmt: skip
    for m in CREDENTIALS.finditer(text):
        first = m.group("value").split()[0].lower()
        if first not in NOT_A_PASSWORD:
            out.append(
                Finding(
                    "credential",
                    m.start("value"),
                    m.end("value"),
                    0.85,
                    "credentials",
                    m.group("value"),
                )
            )
    return out


REDACTED = re.compile(r"\[REDACTED:(\w+)\]")


def detect_redacted(text: str) -> list[Finding]:
    """Text redacted before it reached us (elsewhere, or long ago) still says what kind was
    there: alert on the marker (each marker its own secret; which one is not known)."""
    return [
        Finding(m.group(1), m.start(), m.end(), 0.9, "redacted", f"{m.group(0)}@{m.start()}")
        for m in REDACTED.finditer(text)
    ]


_KEY_PREFIXES = _literals(
    "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "sk-",
    "k_live_", "k_test_", "AIza", "eyJ",
)  # fmt: skip
_KEY_WORDS = _words("key", "secret", "token", "bearer")
_DISCLOSURE_CUES = (
    "card", "cv", "digits on the back", "expir", "valid", "account", "acct", "routing", "code",
    "bsb", "pin", "pass", "combination", "combo", "social", "ssn", "key", "lock",
)  # fmt: skip
# Each gate is what every match of its detector's patterns must contain (see them above):
# the digits a value needs, the literal prefixes of the key formats, the cue words.
_BUILTIN: list[tuple[str, Detector, Gate | None]] = [
    ("redacted", detect_redacted, _literals("[REDACTED:")),
    ("card", detect_cards, _digits(12)),
    ("ssn", detect_ssn, _digits(9)),
    ("uk_nino", detect_nino, _digits(6)),
    ("iban", detect_iban, _digits(2)),
    ("private_key", detect_private_keys, _words("private key", "phrase")),
    ("prefixed_key", detect_prefixed_keys, lambda text: bool(RUN_START.search(text))),
    ("keyed_in", detect_keyed_in, _words(" in ")),
    ("iban_shape", detect_iban_shapes, lambda text: bool(IBAN_START.search(text))),
    (
        "keys",
        detect_keys,
        lambda text: _KEY_PREFIXES(text) or _KEY_WORDS(text),
    ),
    (
        "password",
        detect_passwords,
        _words("pass", "pin", "login", "access code", "secret word", "credential", "key", "phrase"),
    ),
    ("spoken_key", detect_spoken_keys, _words("key", "secret", "token")),
    ("spoken_iban", detect_spoken_ibans, _words("iban")),
    (
        "spoken_id",
        detect_spoken_ids,
        _words(
            "passport",
            "national",
            "licence",
            "license",
            "id number",
            "id card",
            "identity",
            "tax",
            "nhs",
            "medicare",
            "aadhaar",
            "aadhar",
        ),
    ),
    (
        "security_answer",
        detect_security_answers,
        _words("security", "memorable", "secret", "maiden"),
    ),
    (
        "disclosure",
        detect_disclosures,
        _words(*_DISCLOSURE_CUES),
    ),
]
for _name, _fn, _gate in _BUILTIN:
    register_detector(_name, _fn, _gate)


def detect(text: str, min_confidence: float = 0.0) -> list[Finding]:
    """All findings in `text` (spans in `text`), overlapping ones reduced to the most certain."""
    if not text:
        return []
    norm, where = normalise_with_map(text)
    found: list[Finding] = []
    for name, fn in list(_DETECTORS.items()):
        gate = _GATES.get(name)
        try:
            if gate is None or gate(text):
                found.extend(fn(text))
            if norm != text and (gate is None or gate(norm)):
                for f in fn(norm):
                    start, end = where[f.start], where[min(f.end, len(where) - 1)]
                    found.append(
                        Finding(
                            f.kind, start, max(end, start + 1), f.confidence, f.detector, f.value
                        )
                    )
        except Exception as exc:  # a broken third-party detector must not hide the others
            import logging

            logging.getLogger("copilot.sensitive").warning("detector %s failed: %s", name, exc)
    found.sort(key=lambda f: (-f.confidence, f.start))
    kept: list[Finding] = []
    for f in found:
        if f.confidence >= min_confidence and not any(f.overlaps(k) for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def redact(text: str, findings: list[Finding] | None = None, min_confidence: float = 0.7) -> str:
    """`text` with every sensitive value replaced by `[REDACTED:<kind>]`."""
    findings = detect(text, min_confidence) if findings is None else findings
    out, last = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < last:
            continue
        out.append(text[last : f.start])
        out.append(f"[REDACTED:{f.kind}]")
        last = f.end
    out.append(text[last:])
    return "".join(out)
