"""Custom alert rules: an `event_prompt` in plain words ("Alert when someone mentions pricing
or a discount") and a `label`. Offline, a rule matches text by quoted phrases, /regex/ and
lexical similarity of its keywords (crude stems plus a few synonyms); with a model, the
`alert_rules` llm task asks it instead (see copilot.intelligence.tasks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.intelligence.textutil import content_stems, stem

META = {
    stem(w)
    for w in """detect when whenever someone somebody anyone mention mentions mentioned talk
    talks talking discuss discussed discussion alert notify notification user participant any
    about say says said speaker conversation flag raise topic trigger triggered there is are
    if brought bring up meeting call something thing things person people asks ask ask about
    """.split()  # noqa: SIM905
}
SYNONYMS = {
    "decis": ("decis", "decid", "agre", "approv", "settl"),
    "decid": ("decis", "decid", "agre", "approv", "settl"),
    "date": (
        "dat",
        "day",
        "week",
        "month",
        "tomorrow",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "quarter",
    ),
    "deadlin": ("deadlin", "due", "late", "slip"),
    "pric": ("pric", "cost", "discount", "quot", "expensiv", "cheap"),
    "discount": ("discount", "pric", "off", "rebat"),
    "cancel": ("cancel", "churn", "terminat", "quit"),
    "budget": ("budget", "spend", "cost", "overspend"),
    "hir": ("hir", "recruit", "headcount", "candidat"),
    "competitor": ("competitor", "rival", "competit"),
    "legal": ("legal", "lawyer", "contract", "complianc", "lawsuit"),
    "secur": ("secur", "breach", "vulnerabil", "password", "leak"),
    "complain": ("complain", "unhappy", "frustrat", "angry"),
}
SYNONYMS["dat"] = SYNONYMS["date"]
THRESHOLD = 0.5


@dataclass(frozen=True)
class RuleMatch:
    triggered: bool
    confidence: float
    reason: str = ""


def rule_terms(prompt: str) -> tuple[list[str], list[str], list[re.Pattern]]:
    """(keyword stems, quoted phrases, regexes) that a prompt asks for."""
    phrases = [p.lower() for p in re.findall(r"[\"“']([^\"”']{2,})[\"”']", prompt)]
    regexes = []
    for rx in re.findall(r"/(.+?)/", prompt):
        try:
            regexes.append(re.compile(rx, re.I))
        except re.error:
            continue
    rest = re.sub(r"[\"“'][^\"”']*[\"”']|/.+?/", " ", prompt)
    keys = [w for w in content_stems(rest) if w not in META]
    return list(dict.fromkeys(keys)), phrases, regexes


def match_rule(prompt: str, text: str) -> RuleMatch:
    """Does `text` match the rule `prompt`? Offline: phrases, regexes, keyword coverage."""
    keys, phrases, regexes = rule_terms(prompt)
    low = text.lower()
    for p in phrases:
        if p in low:
            return RuleMatch(True, 0.95, f"said {p!r}")
    for rx in regexes:
        if rx.search(text):
            return RuleMatch(True, 0.95, f"matched /{rx.pattern}/")
    if not keys:
        return RuleMatch(False, 0.0, "no keywords in the rule")
    stems = set(content_stems(text))
    hits = []
    for k in keys:
        alts = SYNONYMS.get(k, (k,))
        if any(
            s.startswith(a) or (len(a) >= 5 and a.startswith(s[:5])) for a in alts for s in stems
        ):
            hits.append(k)
    # any-of rules ("pricing or a discount") need one term; all-of rules need half of them
    need = 1 if re.search(r"\bor\b", prompt, re.I) or len(keys) <= 2 else len(keys) * THRESHOLD
    score = len(hits) / len(keys)
    triggered = len(hits) >= need
    conf = round(min(0.95, 0.55 + 0.4 * score), 2) if triggered else round(0.4 * score, 2)
    return RuleMatch(triggered, conf, f"keywords {', '.join(hits)}" if hits else "")
