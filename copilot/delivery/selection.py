"""Which logged events a session's webhooks carry: `webhook_events=[...]`.

A webhook is named like the hosted SDK's client events (`ev.event`): `capture_session.active`,
`transcript`, `audio_index`, `visual_index`, `action_item`, `alert`, `channel.ended`,
`recording-complete`, `error`, `plugin_error`, or a custom event type's name. A selector is
one of those names, a family (`capture_session`, `channel`: every status of it) or `*`
(everything above). Transcripts are delivered when final (partials never are: too many, and
each is replaced by its final). The default (setting `webhook_events`) is `DEFAULT`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DEFAULT = ("capture_session", "transcript", "audio_index", "visual_index", "action_item", "alert")
FAMILIES = ("capture_session", "channel")
NAMED = (
    "transcript",
    "audio_index",
    "visual_index",
    "action_item",
    "alert",
    "recording-complete",
    "error",
    "plugin_error",
)
NEVER = frozenset({"unreadable"})  # rows of the log that cannot be read back
# built-in types whose webhook name is another (or none): not selectors themselves
RENAMED = frozenset({"index", "recording_complete", "capture_error", "unreadable"})


def webhook_name(event: Any) -> str | None:
    """The webhook's `event` name for a logged event, or None if it is never delivered
    (a partial transcript, an unreadable row)."""
    if event.type in NEVER:
        return None
    if event.type == "transcript" and not event.is_final:
        return None
    return event.hosted_event()


def check(selectors: Iterable[str], custom: Iterable[str] = ()) -> list[str]:
    """The selectors as a list; ValueError naming what is not one (with what would be)."""
    if isinstance(selectors, str):
        raise ValueError(f"webhook_events is a list of event names, not the string {selectors!r}")
    known = {"*", *FAMILIES, *NAMED, *(set(custom) - RENAMED)}
    out = []
    for sel in selectors:
        family = sel.split(".", 1)[0] if isinstance(sel, str) else None
        if not isinstance(sel, str) or (sel not in known and family not in FAMILIES):
            raise ValueError(
                f"unknown webhook event {sel!r}; one of {', '.join(sorted(known))}"
                " (or capture_session.<status>, channel.<status>)"
            )
        out.append(sel)
    return out


def selected(name: str, selectors: Iterable[str]) -> bool:
    for sel in selectors:
        if sel in ("*", name) or (sel in FAMILIES and name.startswith(sel + ".")):
            return True
    return False
