"""What `CaptureClient.list_channels()` returns: channels grouped the way SDK users expect."""

from __future__ import annotations

from dataclasses import dataclass, field

from copilot.capture.sources import ChannelInfo


class ChannelGroup(list[ChannelInfo]):
    """A list of channels with `.default` (alias `.primary`): the default one, else the first."""

    @property
    def default(self) -> ChannelInfo | None:
        for ch in self:
            if ch.is_default:
                return ch
        return self[0] if self else None

    @property
    def primary(self) -> ChannelInfo | None:
        return self.default


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
