"""An example third-party plugin: every N final transcripts of a session it emits a
`word_count` event (finals and words so far, per speaker) — its own registered event type.

Two hooks: `copilot_register_event_types` (once at start-up) and `copilot_transcript` (per
transcript event, on this plugin's own worker thread; the returned event is validated,
persisted and delivered like a builtin one). Set `COPILOT_WORD_COUNT_EVERY` to change N.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, defaultdict
from typing import Literal

from pydantic import Field

from copilot import hookimpl
from copilot.events import Event

EVERY = int(os.environ.get("COPILOT_WORD_COUNT_EVERY", "3"))


class WordCount(Event):
    type: Literal["word_count"] = "word_count"
    finals: int
    words: int
    by_speaker: dict[str, int] = Field(default_factory=dict)


_lock = threading.Lock()
_finals: Counter[str] = Counter()
_words: dict[str, Counter[str]] = defaultdict(Counter)


@hookimpl
def copilot_register_event_types(register):
    register(WordCount)


@hookimpl
def copilot_transcript(event, session):
    if not event.is_final:
        return None  # partials are replaced by later ones: count each utterance once
    sid = session.id
    with _lock:
        _finals[sid] += 1
        _words[sid][event.speaker or "unknown"] += len(event.text.split())
        if _finals[sid] % EVERY:
            return None
        by_speaker = dict(_words[sid])
        finals = _finals[sid]
    return WordCount(
        capture_session_id=sid,
        start=event.start,
        end=event.end,
        finals=finals,
        words=sum(by_speaker.values()),
        by_speaker=by_speaker,
    )


@hookimpl
def copilot_session_deleted(session_id):
    with _lock:
        _finals.pop(session_id, None)
        _words.pop(session_id, None)
