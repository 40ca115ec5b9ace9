"""Map a name as transcribed to a known participant: ASR mangles names ("Priya" → "Prayah",
"Prayer"), so match by edit similarity *and* a rough sound key, against the participant list
from session metadata or config. Unknown names pass through only when they look like names."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

NOT_NAMES = frozenset(
    """i you he she it we they someone somebody anyone anybody everyone everybody nobody
    this that these those there here which who what then so and but also maybe please
    team everybody all one person whoever let lets okay ok sure great good thanks thank right
    alright well hey hi yes yeah actually also now then first next great cool perfect""".split()  # noqa: SIM905
)


# names that are also everyday words: never capitalised from the roster ("I will send it")
WORD_NAMES = frozenset(
    """will mark bill grace may june april rose frank sue pat hope faith joy summer dawn amber
    ruby jack rob bob art guy ray sky river star chase hunter miles max gene glen dale cliff
    drew lane reed wade bay august autumn iris ivy lily olive poppy violet holly heather
    daisy jade pearl crystal honey melody sandy rusty""".split()  # noqa: SIM905
)


def roster_case(text: str, participants) -> str:
    """The participants' names as the roster writes them: a recogniser that writes "tomasz
    could you …" still names Tomasz (a name that is also a word, like "will", is left)."""
    for name in {w for p in participants for w in p.split()}:
        low = name.lower()
        if len(name) < 3 or not name[:1].isupper() or low in WORD_NAMES or low in NOT_NAMES:
            continue
        text = re.sub(rf"(?<![\w-]){re.escape(low)}(?![\w-])", name, text)
    return text


def sound_key(name: str) -> str:
    """A loose phonetic key: vowels and y/w/h dropped after the first letter, doubles merged."""
    s = re.sub(r"[^a-z]", "", name.lower())
    if not s:
        return ""
    s = s.replace("ph", "f").replace("ck", "k").replace("q", "k").replace("x", "ks")
    s = re.sub(r"c(?=[eiy])", "s", s).replace("c", "k")
    head, tail = s[0], re.sub(r"[aeiouyhw]", "", s[1:])
    return re.sub(r"(.)\1+", r"\1", head + tail)


def similarity(a: str, b: str) -> float:
    """0..1: the better of spelling similarity and sound-key similarity."""
    a, b = a.lower(), b.lower()
    spell = SequenceMatcher(None, a, b).ratio()
    ka, kb = sound_key(a), sound_key(b)
    sound = SequenceMatcher(None, ka, kb).ratio() if ka and kb else 0.0
    same_start = 0.05 if a[:1] == b[:1] else -0.1
    return max(spell, sound * 0.95) + same_start


def match_name(raw: str, participants: list[str], threshold: float = 0.72) -> str | None:
    """The participant `raw` most likely names, or None when none is close enough."""
    raw = raw.strip()
    if not raw or not participants:
        return None
    best, best_score = None, 0.0
    for p in participants:
        for part in {p, p.split()[0]}:
            score = similarity(raw, part)
            if score > best_score:
                best, best_score = p, score
    return best if best_score >= threshold else None


def resolve_owner(raw: str | None, participants: list[str]) -> str | None:
    """A transcribed subject → owner name: a participant when it matches, else the word itself
    if it looks like a name (capitalised, not a pronoun), else None."""
    if not raw:
        return None
    parts = raw.split()
    while parts and parts[0].lower() in NOT_NAMES:  # "Then Marcus", "So Priya"
        parts = parts[1:]
    if not parts:
        return None
    raw = " ".join(parts)
    found = match_name(raw, participants)
    if found:
        return found
    if participants:
        return None  # a known roster and no match: better no owner than a wrong one
    return raw if raw[:1].isupper() else None
