"""Capture sources and their registry: how a channel id becomes a stream of frames.

Sources come from plugins (`copilot_register_sources`), so a third party can add a device or
a replay format. A source lists its channels, answers permission probes with a reason, and
opens a channel: it starts its own worker thread and hands frames to the `FrameSink`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from copilot.errors import NotFound

KINDS = ("mic", "system_audio", "display")
KIND_ALIASES = {
    "mic": "mic",
    "mics": "mic",
    "microphone": "mic",
    "audio": "system_audio",
    "system_audio": "system_audio",
    "loopback": "system_audio",
    "display": "display",
    "displays": "display",
    "screen": "display",
    "screen_capture": "display",
}


def canonical_kind(kind: str) -> str:
    try:
        return KIND_ALIASES[kind.lower()]
    except KeyError:
        raise ValueError(
            f"unknown channel kind {kind!r}; use one of: {', '.join(sorted(KIND_ALIASES))}"
        ) from None


@dataclass(unsafe_hash=True)
class ChannelInfo:
    """A capturable channel, e.g. `mic:default`, `system_audio:default`, `display:1`.

    Like the hosted SDK's channels, a listed channel carries two choices for
    `start_session`: `store` (keep its recording; None = the default, keep it) and
    `is_primary` (a display recorded as the session's video)."""

    id: str
    kind: str
    name: str
    source: str
    is_default: bool = False
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    store: bool | None = field(default=None, hash=False, compare=False)
    is_primary: bool = field(default=False, hash=False, compare=False)

    @property
    def type(self) -> str:
        """`audio` or `video`, as the hosted SDK's channels say."""
        return "video" if self.kind == "display" else "audio"

    def request(self) -> ChannelRequest:
        """What `start_session` asks for when given this channel."""
        opts: dict[str, Any] = {} if self.store is None else {"store": self.store}
        if self.is_primary:
            opts["is_primary"] = True
        return ChannelRequest(self.id, opts)


@dataclass(frozen=True)
class ChannelRequest:
    """What a client asked to capture: an id plus options (e.g. `path`, `speed`, `store`)."""

    channel_id: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def kind(self) -> str:
        return canonical_kind(self.channel_id.split(":", 1)[0])


@dataclass(frozen=True)
class Permission:
    kind: str
    granted: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.granted


class FrameSink:
    """Thread-safe hand-off from a source's worker thread to the runtime loop.

    Live sources use `put(frame)`: when the channel's queue is full the frame is dropped and
    counted (a device cannot wait). Replays running faster than real time use
    `put(frame, wait=True)`, which blocks until there is room, so nothing is lost.
    """

    def __init__(
        self, put: Callable[[Any, bool], None], end: Callable[[BaseException | None], None]
    ):
        self._put = put
        self._end = end

    def put(self, frame: Any, wait: bool = False) -> None:
        self._put(frame, wait)

    def end(self, error: BaseException | None = None) -> None:
        """The channel has no more frames (a file ended) or failed with `error`."""
        self._end(error)


class SourceHandle(ABC):
    """A running channel. `stop` may block briefly; the runtime calls it off the loop."""

    @abstractmethod
    def stop(self) -> None: ...

    def pause(self) -> None:  # noqa: B027 - optional for sources that can't pause
        """Stop delivering frames without closing the device (default: runtime drops them)."""

    def resume(self) -> None:  # noqa: B027
        """Deliver frames again after `pause`."""


class CaptureSource(ABC):
    """A kind of device or replay input. Subclass and register from a plugin."""

    name: str = ""
    kinds: tuple[str, ...] = ()

    @abstractmethod
    def probe(self, kind: str) -> Permission:
        """Can this source capture `kind` here? Say why not (no audio server, no display…)."""

    @abstractmethod
    def list_channels(self) -> list[ChannelInfo]: ...

    def resolve(self, request: ChannelRequest) -> ChannelInfo | None:
        """The channel this source would open for `request`, or None if it is not ours."""
        for ch in self.list_channels():
            if ch.id == request.channel_id:
                return ch
        return None

    @abstractmethod
    def open(self, channel: ChannelInfo, request: ChannelRequest, sink: FrameSink) -> SourceHandle:
        """Start capturing in a worker thread of the source's own; return its handle."""


class SourceRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, CaptureSource] = {}

    def register(self, source: CaptureSource, *, first: bool = False) -> None:
        """Add a source; `first=True` makes it resolve channel ids before all others."""
        if not isinstance(source, CaptureSource):
            raise TypeError(f"{source!r} is not a copilot.capture.sources.CaptureSource")
        if not source.name:
            raise ValueError(f"{type(source).__name__} has no `name`")
        if first:
            others = {k: v for k, v in self._sources.items() if k != source.name}
            self._sources = {source.name: source, **others}
        else:
            self._sources[source.name] = source

    def sources(self, kind: str | None = None) -> list[CaptureSource]:
        items = list(self._sources.values())
        return [s for s in items if kind is None or kind in s.kinds]

    def probe(self, kind: str) -> Permission:
        kind = canonical_kind(kind)
        sources = self.sources(kind)
        if not sources:
            return Permission(kind, False, f"no capture source for {kind} is installed")
        reasons = []
        for source in sources:
            try:
                perm = source.probe(kind)
            except Exception as exc:  # a source's probe must not take the client down
                perm = Permission(kind, False, f"{source.name}: {type(exc).__name__}: {exc}")
            if perm.granted:
                return perm
            reasons.append(perm.reason)
        return Permission(kind, False, "; ".join(r for r in reasons if r))

    def list_channels(self) -> tuple[list[ChannelInfo], list[str]]:
        """All channels, plus one message per source that could not list (why not)."""
        channels: list[ChannelInfo] = []
        problems: list[str] = []
        for source in self._sources.values():
            try:
                channels.extend(source.list_channels())
            except Exception as exc:
                problems.append(f"{source.name}: {exc}")
        return channels, problems

    def resolve(self, request: ChannelRequest) -> tuple[CaptureSource, ChannelInfo]:
        errors = []
        for source in self.sources(request.kind):
            try:
                info = source.resolve(request)
            except Exception as exc:
                errors.append(f"{source.name}: {exc}")
                continue
            if info is not None:
                return source, info
        detail = f" ({'; '.join(errors)})" if errors else ""
        raise NotFound(f"no capture source provides channel {request.channel_id!r}{detail}")
