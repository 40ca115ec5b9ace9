"""The one reduction every transcript reader uses: newest revision per utterance."""

from __future__ import annotations

from types import SimpleNamespace as E

from copilot.text.revisions import newest_finals


def final(uid, text, revision=0, seq=0, **kw):
    return E(type="transcript", is_final=True, utterance_id=uid, text=text, revision=revision,
             seq=seq, **kw)  # fmt: skip


def test_newest_revision_in_first_heard_order():
    events = [
        final("a", "live a", seq=1),
        E(type="transcript", is_final=False, utterance_id="b", text="partial", revision=0, seq=2),
        final("b", "live b", seq=3),
        final("a", "refined a", revision=1, seq=4),
        final("a", "late old a", revision=0, seq=5),
        final(None, "unlabelled", seq=6),
        final(None, "unlabelled too", seq=7),
        E(type="alert", seq=8),
    ]
    assert [e.text for e in newest_finals(events)] == [
        "refined a",
        "live b",
        "unlabelled",
        "unlabelled too",
    ]
