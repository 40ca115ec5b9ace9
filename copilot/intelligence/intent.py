"""Is a sentence an action item, a confirmation of one, or neither? The offline decision.

A multinomial logistic regression over the all-MiniLM-L6-v2 sentence embedding that the
search index already loads (`copilot.search.embedding.shared_embedder`: one copy per
process), plus a few rule features (does the old pattern extractor find a commitment, is it
a question, a report of past work, a hypothetical, a line that carries a secret, an offer
("would it help if I …"), a soft ask ("any chance you could …"), a need, a take-on…). The
rules inform the model; they do not decide. The weights are trained at build time by
`scripts/train_intent_model.py` (scikit-learn, build time only) from
`copilot/intelligence/data/intent_train.jsonl` and shipped as a small JSON file; at run time
this is numpy and one embedding per sentence (~5 ms on 2 cores).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
MODEL_FILE = DATA / "intent_model.json"
TRAIN_FILE = DATA / "intent_train.jsonl"
LABELS = ("none", "action", "confirm")
CACHE = 256

ACK = re.compile(
    r"^(?:sure|yes|yeah|yep|yup|ok(?:ay)?|alright|all right|absolutely|of course|definitely|"
    r"no problem|no worries|will do|can do|happy to|got it|sounds good|fine|noted|right|"
    r"consider it done|you got it|count me in|on it)\b",
    re.I,
)
PAST = re.compile(
    r"\b(?:yesterday|last (?:week|month|year|quarter|night|time|sprint|tuesday|monday|wednesday|"
    r"thursday|friday)|ago|already|earlier today|this morning|did|didn't|was|were|had|"
    r"(?:i|we|they|he|she) (?:\w+ed|sent|wrote|took|made|got|went|said|told|gave|ran|"
    r"did|found|left|met|spoke|thought))\b",
    re.I,
)
HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|would|might|could have|in theory|in a perfect world|what if|i wonder|"
    r"maybe|perhaps|hopefully|i hope|wish)\b",
    re.I,
)
SECOND_PERSON_ASK = re.compile(
    r"\b(?:can|could|would|will) you\b|\bplease\b|\b(?:need|want|'d like) you to\b|"
    r"\bwould you mind\b|\bdo you mind\b|\bany chance you\b",
    re.I,
)
FIRST_PERSON_WILL = re.compile(
    r"\b(?:i(?:'ll| will| shall| am going to|'m going to|'m gonna| can)|let me|leave it with me|"
    r"i'm on it|i'll take)\b",
    re.I,
)
OFFER = re.compile(
    r"\b(?:would it (?:help|be (?:useful|helpful|easier)) if i|do you want me to|want me to|"
    r"shall i|should i|how about (?:i|if i)|i could)\b",
    re.I,
)
SOFT_ASK = re.compile(
    r"\bany chance (?:you|u)\b|\bmind \w+ing\b|\b(?:would|will) you be able to\b|"
    r"\bare you able to\b|\bi was (?:thinking|hoping) (?:that )?you\b|\bi was hoping you'd\b|"
    r"\b(?:it'd|it would) be (?:great|good|helpful|really helpful|ideal) if you\b|"
    r"\bis there any way you\b|\bsaid you'd\b|\bmentioned you (?:could|would|'d)\b|"
    r"\bif (?:you|u) (?:could|can|have time|get a chance)\b",
    re.I,
)
NEED = re.compile(
    r"\b(?:we|someone|somebody|you|one of us|one of you)(?: also| still| really)? "
    r"(?:need|needs|has|have|ought|should) to\b|\b(?:someone|somebody) should\b",
    re.I,
)
TAKE_ON = re.compile(
    r"\b(?:that'?ll be me|that's me|leave (?:it|that|this|the \w+) (?:with|to) me|i can own|"
    r"i'll own|i can take|i'll take|let me take|i'll grab|i can grab|consider it)\b",
    re.I,
)
FEATURE_NAMES = (
    "rule_item",
    "ack_start",
    "question",
    "past",
    "hypothetical",
    "ask_you",
    "i_will",
    "due_date",
    "secret",
    "short",
    "offer",
    "soft_ask",
    "need",
    "take_on",
)


def rule_features(sentence: str) -> list[float]:
    """The rule signals for one sentence, each 0 or 1 (same order as FEATURE_NAMES)."""
    from datetime import date

    from copilot.intelligence import action_items, dates, sensitive

    s = sentence.strip()
    today = date(2026, 1, 7)  # any fixed day: only whether a date phrase is there matters
    found = action_items.detect(s, speaker="Speaker", participants=[], today=today)
    return [
        float(any(c.confidence >= 0.6 for c in found)),
        float(bool(ACK.match(s))),
        float(s.endswith("?")),
        float(bool(PAST.search(s))),
        float(bool(HYPOTHETICAL.search(s))),
        float(bool(SECOND_PERSON_ASK.search(s))),
        float(bool(FIRST_PERSON_WILL.search(s))),
        float(dates.resolve_due(s, today)[0] is not None),
        float(bool(sensitive.detect(s, 0.7))),
        float(len(s.split()) <= 4),
        float(bool(OFFER.search(s))),
        float(bool(SOFT_ASK.search(s))),
        float(bool(NEED.search(s))),
        float(bool(TAKE_ON.search(s))),
    ]


Embed = Callable[[Sequence[str]], Any]


def default_embed(texts: Sequence[str]) -> Any:
    """The process's shared MiniLM (the one the search index uses)."""
    from copilot.search.embedding import shared_embedder

    return shared_embedder().embed(list(texts))


def feature_matrix(sentences: Sequence[str], embed: Embed) -> Any:
    """Rows of [embedding (384) | rule features], float32."""
    import numpy as np

    if not sentences:
        return np.zeros((0, 384 + len(FEATURE_NAMES)), dtype=np.float32)
    vectors = np.asarray(embed(list(sentences)), dtype=np.float32)
    rules = np.array([rule_features(s) for s in sentences], dtype=np.float32)
    return np.hstack([vectors, rules])


@dataclass(frozen=True)
class Intent:
    """Probabilities for one sentence."""

    sentence: str
    probs: dict[str, float]

    @property
    def label(self) -> str:
        return max(self.probs, key=self.probs.__getitem__)

    def p(self, label: str) -> float:
        return self.probs.get(label, 0.0)


class IntentModel:
    """The shipped weights; `classify` embeds and scores sentences."""

    def __init__(self, weights: Any, bias: Any, labels: Sequence[str], embed: Embed) -> None:
        import numpy as np

        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.labels = tuple(labels)
        self.embed = embed
        self._cache: OrderedDict[str, Intent] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def load(cls, path: Path = MODEL_FILE, embed: Embed | None = None) -> IntentModel:
        data = json.loads(Path(path).read_text())
        if tuple(data["features"]) != FEATURE_NAMES:
            raise ValueError(
                f"{path} was trained with features {data['features']}, this code has "
                f"{list(FEATURE_NAMES)}: rebuild it with scripts/train_intent_model.py"
            )
        return cls(data["weights"], data["bias"], data["labels"], embed or default_embed)

    def classify(self, sentences: Sequence[str]) -> list[Intent]:
        """Probabilities per sentence (the last CACHE answers are kept: the model upgrade
        asks again about sentences just classified)."""
        with self._cache_lock:
            known = {s: self._cache[s] for s in sentences if s in self._cache}
        todo = [s for s in dict.fromkeys(sentences) if s not in known]
        for intent in self._score(todo):
            known[intent.sentence] = intent
            with self._cache_lock:
                self._cache[intent.sentence] = intent
                while len(self._cache) > CACHE:
                    self._cache.popitem(last=False)
        return [known[s] for s in sentences]

    def _score(self, sentences: Sequence[str]) -> list[Intent]:
        import numpy as np

        if not sentences:
            return []
        x = feature_matrix(sentences, self.embed)
        logits = x @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return [
            Intent(s, {lab: float(v) for lab, v in zip(self.labels, row, strict=True)})
            for s, row in zip(sentences, p, strict=True)
        ]


_model: IntentModel | None = None
_lock = threading.Lock()


def shared_model() -> IntentModel:
    """The shipped model, loaded once per process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = IntentModel.load()
    return _model
