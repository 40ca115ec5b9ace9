"""Newest revision wins: the one reduction every reader of transcripts uses.

A final transcript may be revised (the refine pass re-decodes each utterance with a larger
model): the revision is another final with the same ``utterance_id`` and a higher
``revision``, and replaces the earlier text. ``get_transcript()``, the exports, the TUI line
and the search index all read transcripts through these functions, so they agree on which
text stands. Events are duck-typed (``type``, ``is_final``, ``utterance_id``, ``revision``,
``seq``): pydantic events, rows, anything with those attributes. A final without an
``utterance_id`` stands on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def utterance_key(event: Any) -> Any:
    """What identifies one utterance across its revisions (the event itself if unlabelled)."""
    return getattr(event, "utterance_id", None) or ("event", id(event))


def supersedes(new: Any, old: Any) -> bool:
    """Whether ``new`` replaces ``old`` (same utterance): higher revision, then later seq."""
    return (getattr(new, "revision", 0) or 0, getattr(new, "seq", 0) or 0) >= (
        getattr(old, "revision", 0) or 0,
        getattr(old, "seq", 0) or 0,
    )


def is_final_transcript(event: Any) -> bool:
    return getattr(event, "type", None) == "transcript" and bool(getattr(event, "is_final", False))


def newest_finals(events: Iterable[Any]) -> list[Any]:
    """The final transcripts of ``events``, one per utterance (its newest revision), in the
    order each utterance first appeared."""
    newest: dict[Any, Any] = {}
    for event in events:
        if not is_final_transcript(event):
            continue
        key = utterance_key(event)
        old = newest.get(key)
        if old is None or supersedes(event, old):
            newest[key] = event  # a dict keeps the first insertion's position
    return list(newest.values())
