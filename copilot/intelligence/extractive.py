"""Answer an index prompt from a batch of transcript without a model: the sentences most
relevant to the prompt, trimmed of filler and joined — a condensed extract, never the batch
echoed back verbatim."""

from __future__ import annotations

import re

from copilot.intelligence.textutil import content_stems, coverage, split_sentences, words

# Words that say what a prompt wants; each maps to cue stems that mark a relevant sentence.
CUES: dict[str, tuple[str, ...]] = {
    "decision": ("decid", "agre", "approv", "settl", "final", "go with", "chose", "launch"),
    "action": ("will", "need to", "going to", "by friday", "follow up", "send", "share", "book"),
    "question": ("?",),
    "risk": ("risk", "problem", "issue", "block", "concern", "delay", "over"),
    "number": ("percent", "quarter", "budget", "revenue", "cost", "$"),
}
PROMPT_CUES = {
    "decision": "decision",
    "decid": "decision",
    "action": "action",
    "task": "action",
    "todo": "action",
    "next step": "action",
    "question": "question",
    "risk": "risk",
    "issue": "risk",
    "blocker": "risk",
    "number": "number",
    "metric": "number",
    "budget": "number",
}
PROMPT_META = {
    "extract",
    "key",
    "summar",
    "summary",
    "summarize",
    "describe",
    "list",
    "discussion",
    "discuss",
    "point",
    "main",
    "topic",
    "meeting",
    "note",
    "important",
    "highlight",
    "item",
    "mention",
}
FILLER = re.compile(
    r"^(?:(?:so|ok(?:ay)?|well|right|great|good|sure|thanks|thank you|yeah|yes|um|uh|oh|"
    r"alright|and|also|then|anyway|one more thing|before i forget)[,.!]?\s+)+",
    re.I,
)
SMALL_TALK = re.compile(
    r"^(?:good (?:morning|afternoon|evening)|hi|hello|hey|thanks|thank you|bye|see you|"
    r"morning|welcome)\b",
    re.I,
)


def condense(sentence: str) -> str:
    """Drop leading filler ("So, okay, …") and capitalise what is left."""
    out = FILLER.sub("", sentence.strip())
    return (out[:1].upper() + out[1:]) if out else sentence.strip()


def _cue_kinds(prompt: str) -> set[str]:
    low = (prompt or "").lower()
    return {kind for key, kind in PROMPT_CUES.items() if key in low}


def score_sentences(prompt: str | None, sentences: list[str]) -> list[float]:
    """Relevance of each sentence to the prompt: keyword coverage + cue words − small talk."""
    query = [
        w for w in content_stems(prompt or "") if not any(w.startswith(m) for m in PROMPT_META)
    ]
    kinds = _cue_kinds(prompt or "")
    all_stems = [content_stems(s) for s in sentences]
    scores = []
    for sent, stems in zip(sentences, all_stems, strict=True):
        low = sent.lower()
        score = coverage(query, stems) if query else 0.0
        for kind in kinds:
            if any(cue in low for cue in CUES[kind]):
                score += 0.6
        # centrality: shares words with the rest of the batch (a summary's backbone)
        others = {w for other in all_stems if other is not stems for w in other}
        if stems:
            score += 0.3 * len(set(stems) & others) / len(set(stems))
        score += min(len(stems), 12) / 40  # informative sentences over short acknowledgements
        if SMALL_TALK.match(low) or len(words(sent)) < 4:
            score -= 0.8
        scores.append(score)
    return scores


def answer(prompt: str | None, text: str, max_sentences: int = 2, max_words: int = 45) -> str:
    """The best `max_sentences` sentences for `prompt`, in spoken order, condensed."""
    sentences = split_sentences(text)
    if not sentences:
        return ""
    scores = score_sentences(prompt, sentences)
    ranked = sorted(range(len(sentences)), key=lambda i: -scores[i])
    keep = sorted(i for i in ranked[:max_sentences] if scores[i] > 0) or ranked[:1]
    parts: list[str] = []
    count = 0
    for i in keep:
        part = condense(sentences[i])
        n = len(part.split())
        if parts and count + n > max_words:
            break
        if n > max_words:
            part = " ".join(part.split()[:max_words]).rstrip(",;") + "…"
        parts.append(part)
        count += n
    return " ".join(parts)
