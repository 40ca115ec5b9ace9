"""What `CaptureClient.list_channels()` returns: channels grouped the way SDK users expect."""

from __future__ import annotations

from dataclasses import dataclass, field

from copilot.capture.sources import ChannelInfo, ChannelRequest


class ChannelGroup(list[ChannelInfo]):
    """A list of channels (index it, iterate it) with `.default`, the system's default one
    (else the first), and `.primary`, the one flagged `is_primary` (else `.default`)."""

    @property
    def default(self) -> ChannelInfo | None:
        for ch in self:
            if ch.is_default:
                return ch
        return self[0] if self else None

    @property
    def primary(self) -> ChannelInfo | None:
        return next((ch for ch in self if ch.is_primary), None) or self.default

    def all(self) -> list[ChannelInfo]:
        return list(self)


def primary_video(requests: list[ChannelRequest], primary: str | None) -> str | None:
    """The display recorded as the session's video: the one named, else the one flagged
    `is_primary`, else the first display captured (as the hosted SDKs pick it)."""
    displays = [r.channel_id for r in requests if r.kind == "display"]
    if primary is None:
        flagged = [r.channel_id for r in requests if r.options.get("is_primary")]
        primary = next(iter(flagged), None)
    if primary is None:
        return displays[0] if displays else None
    if primary not in displays:
        captured = [r.channel_id for r in requests]
        what = "is not a display" if primary in captured else "is not captured"
        raise ValueError(f"primary_video_channel_id {primary!r} {what} (displays: {displays})")
    return primary


@dataclass
class Channels:
    mics: ChannelGroup = field(default_factory=ChannelGroup)
    system_audio: ChannelGroup = field(default_factory=ChannelGroup)
    displays: ChannelGroup = field(default_factory=ChannelGroup)
    problems: list[str] = field(default_factory=list)  # sources that could not list, and why

    @classmethod
    def from_list(cls, channels: list[ChannelInfo], problems: list[str]) -> Channels:
        out = cls(problems=list(problems))
        groups = {"mic": out.mics, "system_audio": out.system_audio, "display": out.displays}
        for ch in channels:
            groups[ch.kind].append(ch)
        return out

    def all(self) -> list[ChannelInfo]:
        return [*self.mics, *self.system_audio, *self.displays]

    def __iter__(self):
        return iter(self.all())

    def get(self, channel_id: str) -> ChannelInfo | None:
        return next((ch for ch in self.all() if ch.id == channel_id), None)
