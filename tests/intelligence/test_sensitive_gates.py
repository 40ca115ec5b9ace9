"""Detector gates only skip work: with them, `detect` finds exactly what it finds without.

A gate is a cheap necessary condition ("has 12 digits", "says pass/pin/login …"); a gate
that is wrong would silently stop a secret from being redacted, so this compares gated and
ungated detection on every sentence of the bench sets and of the sensitive-content tests,
and on random text made of the pieces the detectors look for.
"""

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from copilot.intelligence import sensitive

from .test_sensitive import NEGATIVES, POSITIVES

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def _ungated(text: str) -> list:
    gates = dict(sensitive._GATES)
    sensitive._GATES.clear()
    try:
        return sensitive.detect(text)
    finally:
        sensitive._GATES.update(gates)


def _corpus() -> list[str]:
    texts = [p[0] for p in POSITIVES] + list(NEGATIVES)
    for path in sorted(DATA.glob("*.json")):
        texts += [t for t in _texts(json.loads(path.read_text())) if len(t) > 3]
    return texts


def test_every_builtin_detector_has_a_gate():
    builtin = {name for name, _, _ in sensitive._BUILTIN}
    assert builtin <= set(sensitive._GATES) and builtin <= set(sensitive._DETECTORS)


def test_gates_change_nothing_on_the_bench_sets_and_test_sentences():
    texts = _corpus()
    assert len(texts) > 500
    found = 0
    for text in texts:
        gated = sensitive.detect(text)
        assert gated == _ungated(text), text
        found += bool(gated)
    assert found > 20  # the corpus holds secrets, so the comparison covers findings too


PIECES = [
    "my", "the", "card", "number", "is", "pin", "password", "pass code", "account", "no.",
    "cvv", "expiry", "sort code", "security question", "answer", "maiden name", "secret",
    "api key", "token", "bearer", "AKIA", "ghp_", "sk-", "sk_live_", "eyJ", "AIza", "GB82",
    "WEST", "AB", "C", "4111", "1111", "4242", "219-09-9991", "12/27", "four", "two", "oh",
    "double", "nine", "for", "to", ",", ".", "-", ":", "[REDACTED:pin]", "Dundee", "hunter2",
    "9fQ2xL7vB1nR4tY8wZ3kM6pD", "abcdefghij0123456789", "login", "credentials", "are",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=24))
def test_gates_change_nothing_on_random_text(words):
    text = " ".join(words)
    assert sensitive.detect(text) == _ungated(text)
