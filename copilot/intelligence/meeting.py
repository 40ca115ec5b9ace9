"""Who is in the meeting and when it is: what owner names and due dates are resolved against.

Read from the session's metadata first (`participants`: a list or "A, B"; `user_name`: who
the mic is — transcripts call that speaker "me"; `meeting_date`: YYYY-MM-DD), then settings
(`meeting_participants`, `user_name`), then the session start time for the date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from copilot.intelligence.owners import match_name


def _names(raw: Any) -> list[str]:
    if not raw:
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    return [str(n).strip() for n in raw if str(n).strip()]


@dataclass(frozen=True)
class MeetingInfo:
    participants: list[str] = field(default_factory=list)
    user_name: str | None = None
    day: date = field(default_factory=date.today)

    @classmethod
    def from_session(cls, session: Any) -> MeetingInfo:
        meta = dict(getattr(session, "metadata", None) or {})
        settings = getattr(getattr(session, "runtime", None), "settings", None)
        people = _names(meta.get("participants")) or _names(
            getattr(settings, "meeting_participants", None)
        )
        user = meta.get("user_name") or getattr(settings, "user_name", None)
        if user and user not in people:
            people = [user, *people]
        day = None
        if meta.get("meeting_date"):
            day = date.fromisoformat(str(meta["meeting_date"]))
        elif getattr(session, "started_at", None):
            day = datetime.fromtimestamp(session.started_at).date()
        return cls(people, user, day or date.today())

    def speaker_name(self, speaker: str | None) -> str | None:
        """Transcript speaker → a person: "me" is the user; "them" is the other side only when
        exactly one other person is in the meeting; a diarised name is fuzzy-matched."""
        if not speaker:
            return None
        if speaker == "me":
            return self.user_name
        if speaker == "them":
            others = [p for p in self.participants if p != self.user_name]
            return others[0] if len(others) == 1 else None
        return match_name(speaker, self.participants) or speaker
