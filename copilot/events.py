"""Typed events: the plugin boundary and the wire format.

Every event is a frozen pydantic model with a `type` discriminator and the common fields
(`id`, `seq`, `capture_session_id`, `rtstream_id`, `channel`, `start`/`end`, `created_at`).
The event log assigns `id` and `seq`; anything else creates drafts with `seq=0`.
Plugins add types through `EventTypes.register` (the `copilot_register_event_types` hook).

Every event also reads the way hosted capture SDK clients parse theirs: `ev.event` (a name
such as `capture_session.active`, `transcript`, `recording-complete`, `error`) and
`ev.payload` (the event's JSON); see docs/hosted-sdk.md.
"""

from __future__ import annotations

import json
import math
import time
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from copilot.errors import InvalidEvent

SessionStatus = Literal[
    "created", "starting", "active", "stopping", "stopped", "exported", "failed"
]


class Event(BaseModel):
    """Fields every event carries. Subclasses fix `type` with a Literal default."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    type: str
    id: str = ""
    seq: int = 0
    capture_session_id: str
    rtstream_id: str | None = None
    channel: str | None = None
    start: float | None = None
    end: float | None = None
    created_at: float = Field(default_factory=time.time)

    def hosted_event(self) -> str:
        """The hosted SDK's name for this event (subclasses refine it); `ev.event` reads it."""
        return self.type

    def __getattr__(self, name: str) -> Any:
        # `event` and `payload` give way to a field of that name (a plugin's own type may have
        # one), so they are looked up only when nothing else answers
        try:
            return super().__getattr__(name)  # type: ignore[misc]
        except AttributeError:
            if name == "event":
                return self.hosted_event()
            if name == "payload":
                return self.model_dump(mode="json")
            raise

    def __getitem__(self, key: str) -> Any:
        """`ev["event"]`, `ev["payload"]`, `ev["text"]`: the dict access hosted clients use."""
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


class CaptureSessionEvent(Event):
    type: Literal["capture_session"] = "capture_session"
    status: SessionStatus
    previous: SessionStatus | None = None
    reason: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def hosted_event(self) -> str:
        return f"capture_session.{self.status}"


class ChannelEvent(Event):
    """A channel was paused, resumed, ended or failed while the session ran."""

    type: Literal["channel"] = "channel"
    status: Literal["paused", "resumed", "ended", "failed"]
    reason: str | None = None

    def hosted_event(self) -> str:
        return f"channel.{self.status}"


class RecordedFile(BaseModel):
    """One channel's recording: an audio file, or a folder of screen keyframes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str
    kind: Literal["audio", "screen"]
    path: str
    start: float | None = None  # session time of the first sample / frame


class RecordingCompleteEvent(Event):
    """The session's recording is final: files closed and plugins drained, just before `stopped`.

    `video_channel_id`/`video` name the display recorded as the session's video (the
    session's `primary_video_channel_id`). Hosted clients see it as `recording-complete`.
    """

    type: Literal["recording_complete"] = "recording_complete"
    files: list[RecordedFile] = Field(default_factory=list)
    video_channel_id: str | None = None
    video: str | None = None

    def hosted_event(self) -> str:
        return "recording-complete"


class CaptureErrorEvent(Event):
    """Capture cannot go on: the session failed, or its last capturing channel did.

    Hosted clients see it as `error`; `capture_session.failed` follows when the session
    fails."""

    type: Literal["capture_error"] = "capture_error"
    code: Literal["session_failed", "channels_failed"]
    message: str

    def hosted_event(self) -> str:
        return "error"


class TranscriptEvent(Event):
    """Partial or final text of one utterance.

    Finals may be revised: a later `transcript` event with the same `utterance_id`, a higher
    `revision` and `is_final: true` (e.g. the background refine pass) replaces the text of the
    earlier one. Readers keep the newest revision per `utterance_id`; a final without an
    `utterance_id` stands on its own. `speaker` is the channel's side ("me"/"them");
    `speaker_id` is a stable voice within the channel ("them-1", or a name once known).
    """

    type: Literal["transcript"] = "transcript"
    text: str
    is_final: bool
    speaker: str | None = None
    language: str | None = None
    utterance_id: str | None = None
    revision: int = Field(default=0, ge=0)
    speaker_id: str | None = None


class ScreenRegion(BaseModel):
    """Where something was on screen: `box` is (x0, y0, x1, y1) in the captured frame's pixels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    box: tuple[int, int, int, int]


class IndexEvent(Event):
    """What was said (audio) or shown (visual) over [start, end], as text.

    Visual events describe one scene: `start` is when the screen changed to it, `end` when it
    changed again. Each scene gives two events with the same `scene_id`: revision 0 as soon as
    the screen is read (its `end` is as far as the scene has been seen), revision 1 when the
    scene ends (its final `end`, the same text). Readers keep the newest revision per
    `scene_id`; alerts and rules act on revision 0 only. `ocr_text` is every line of text read
    on screen during the scene, in reading order (rows on lines, cells tab-separated): search
    indexes it; the `text` may summarise. Visual events logged before `ocr_text` existed carry
    the OCR text in `source_text`; `full_text` reads either.
    """

    type: Literal["index"] = "index"
    index_type: Literal["audio", "visual"]
    text: str
    prompt: str | None = None  # the prompt the text answers; None when the engine follows none
    index_id: str | None = None
    engine: str | None = None  # "ocr", "extractive", "vlm:<model>", …
    source_text: str | None = None  # what the text was derived from (audio: the transcript)
    ocr_text: str | None = None  # visual: all the text on screen during the scene
    scene_id: str | None = None
    revision: int = Field(default=0, ge=0)
    sensitive_regions: list[ScreenRegion] = Field(default_factory=list)  # secrets on screen
    keyframes: list[str] = Field(default_factory=list)  # stored images shown in [start, end]

    @property
    def full_text(self) -> str:
        """The text plus what it was read from (OCR or transcript): what search and alerts see."""
        return "\n".join(t for t in (self.text, self.ocr_text or self.source_text) if t)

    def hosted_event(self) -> str:
        return f"{self.index_type}_index"


class AlertEvent(Event):
    type: Literal["alert"] = "alert"
    label: str
    triggered: bool = True
    confidence: float = Field(ge=0.0, le=1.0)
    kind: str | None = None
    text: str | None = None
    hint: str | None = None  # which secret, masked: "ending 4242", "sk-…9f3a"; never the value
    event_id: str | None = None  # the custom rule (conn.create_event) that fired, if any
    alert_id: str | None = None  # the index alert (index.create_alert) that fired, if any


class ActionItemEvent(Event):
    """One action item, or a newer version of one: events with the same `item_id` are one item
    and the highest `revision` is its current state (a confirmation, a changed due date or
    owner, a refined transcript). `status` "withdrawn" means the item no longer stands (the
    transcript it came from was revised and no longer says it)."""

    type: Literal["action_item"] = "action_item"
    item_id: str
    text: str
    owner: str | None = None
    due: date | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    status: Literal["open", "confirmed", "withdrawn"] = "open"
    revision: int = Field(default=0, ge=0)


class PluginErrorEvent(Event):
    type: Literal["plugin_error"] = "plugin_error"
    plugin: str
    hook: str
    error: str
    kind: Literal["exception", "timeout", "overflow", "invalid_result", "blocked_loop"] = (
        "exception"
    )


class UnreadableEvent(Event):
    """A logged row that cannot be parsed back (damaged, or written by an older version that
    let a non-finite number in). It keeps the row's seq, so readers stay gap-free and go on."""

    type: Literal["unreadable"] = "unreadable"
    original_type: str
    error: str


class UnknownEvent(Event):
    """A logged event whose type is no longer registered (e.g. its plugin was removed)."""

    model_config = ConfigDict(frozen=True, extra="allow")


BUILTIN_EVENT_TYPES: tuple[type[Event], ...] = (
    CaptureSessionEvent,
    ChannelEvent,
    TranscriptEvent,
    IndexEvent,
    AlertEvent,
    ActionItemEvent,
    PluginErrorEvent,
    UnreadableEvent,
    RecordingCompleteEvent,
    CaptureErrorEvent,
)
# Types only the runtime writes: session lifecycle, channel state, failures, unreadable rows,
# the finished recording and fatal capture errors.
# Neither the API, `cap.emit` nor a hook's return value may emit them (`SessionContext.emit`
# may report a plugin's own failure as `plugin_error`).
RESERVED_TYPES = frozenset(
    {"capture_session", "channel", "plugin_error", "unreadable", "recording_complete"}
    | {"capture_error"}
)
MAX_DEPTH = 32  # nesting of lists/objects inside one event


def ensure_storable(event: Event) -> Event:
    """Raise `InvalidEvent` unless the log can store `event` and hand it back unchanged: every
    number finite, every string encodable as UTF-8 (no lone surrogates), nesting bounded."""
    if not _plainly_storable(event):
        _explain_unstorable(event)
    return event


_LEAVES = frozenset({int, bool, type(None)})


def _plainly_storable(event: Event) -> bool:
    """The common case, fast: plain values of the usual types, all fine. False means "look
    closer" (a problem, or a value of a type this walk leaves to `_explain_unstorable`)."""
    stack: list[tuple[Any, int]] = [(event, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is str:
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return False
        elif kind is float:
            if not math.isfinite(value):
                return False
        elif kind in _LEAVES:
            continue
        elif depth >= MAX_DEPTH:
            return False
        elif kind is dict:
            for key, item in value.items():
                if type(key) is not str:
                    return False
                stack.append((key, depth + 1))
                stack.append((item, depth + 1))
        elif kind is list:
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, BaseModel):
            stack.extend((item, depth + 1) for item in value.__dict__.values())
            stack.extend((item, depth + 1) for item in (value.__pydantic_extra__ or {}).values())
        else:
            return False
    return True


def _explain_unstorable(event: Event) -> None:
    """The thorough walk, with where each value sits: raises for the first problem."""
    stack: list[tuple[Any, int, str]] = [(event, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidEvent(f"{where or 'text'}: contains a lone surrogate") from None
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidEvent(f"{where}: {value} is not a finite number")
        elif isinstance(value, bool | int | date) or value is None:
            continue
        elif depth >= MAX_DEPTH:
            raise InvalidEvent(f"{where}: nested more than {MAX_DEPTH} levels deep")
        elif isinstance(value, BaseModel):
            fields = {**value.__dict__, **(value.__pydantic_extra__ or {})}
            for key, item in fields.items():
                stack.append((item, depth + 1, f"{where}.{key}" if where else key))
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth + 1, where))
                stack.append((item, depth + 1, f"{where}.{key}" if where else str(key)))
        elif isinstance(value, list | tuple | set | frozenset):
            for i, item in enumerate(value):
                stack.append((item, depth + 1, f"{where}[{i}]"))


def type_name(model: type[Event]) -> str:
    """The discriminator value a model declares as the default of `type`."""
    default = model.model_fields["type"].default
    if not isinstance(default, str) or not default:
        raise InvalidEvent(f"{model.__name__} must give `type` a Literal string default")
    return default


class EventTypes:
    """Registry of event models by `type`: parses dicts and validates drafts."""

    COMMON: ClassVar[frozenset[str]] = frozenset(Event.model_fields)

    def __init__(self) -> None:
        self._models: dict[str, type[Event]] = {}
        for model in BUILTIN_EVENT_TYPES:
            self.register(model)

    def register(self, model: type[Event]) -> None:
        if not (isinstance(model, type) and issubclass(model, Event)):
            raise InvalidEvent(f"{model!r} is not a subclass of copilot.events.Event")
        name = type_name(model)
        known = self._models.get(name)
        if known is not None and known is not model:
            raise InvalidEvent(f"event type {name!r} is already registered by {known.__name__}")
        self._models[name] = model

    def names(self) -> list[str]:
        return sorted(self._models)

    def model_for(self, name: str) -> type[Event] | None:
        return self._models.get(name)

    def validate(self, data: dict[str, Any] | Event) -> Event:
        """Build a registered event from a dict (or re-check a model); unknown types fail."""
        if isinstance(data, Event):
            if self._models.get(data.type) is type(data):
                return ensure_storable(data)
            data = data.model_dump()
        elif not isinstance(data, dict):
            raise InvalidEvent(f"an event is an Event or a dict with a type, not {data!r:.80}")
        name = data.get("type")
        model = self._models.get(name) if isinstance(name, str) else None
        if model is None:
            raise InvalidEvent(
                f"unknown event type {name!r}; registered: {', '.join(self.names())}"
            )
        try:
            event = model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()))
            raise InvalidEvent(f"invalid {name!r} event: {loc}: {first.get('msg')}") from None
        except RecursionError:
            raise InvalidEvent(f"invalid {name!r} event: nested too deep") from None
        return ensure_storable(event)

    def load(self, data: dict[str, Any]) -> Event:
        """Parse a stored event; never fails on a type that is no longer registered."""
        model = self._models.get(data.get("type", ""))
        if model is None:
            return UnknownEvent.model_validate(data)
        try:
            return model.model_validate(data)
        except ValidationError:
            return UnknownEvent.model_validate(data)

    def load_stored(
        self,
        body: str,
        *,
        session_id: str,
        seq: int,
        event_id: str,
        stored_type: str,
        created_at: Any,
    ) -> Event:
        """Parse a row of the log. A row that cannot be parsed comes back as an `unreadable`
        event with its seq (and what it was), never as an error that stops the reader."""
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("the stored body is not a JSON object")
            return self.load({**data, "seq": seq})  # the column: a body is written before it
        except (ValueError, TypeError, RecursionError) as exc:
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            finite = isinstance(created_at, float | int) and math.isfinite(created_at)
            return UnreadableEvent(
                capture_session_id=session_id,
                seq=seq,
                id=event_id,
                created_at=created_at if finite else 0.0,
                original_type=str(stored_type),
                error=f"{type(exc).__name__}: {error}"[:500],
            )


def open_event_model(name: str) -> type[Event]:
    """An event type known only by name: common fields checked, the rest kept as sent.

    The server registers these for agents' own types (a remote client validates against its
    real model before sending); reading the log back keeps every field.
    """
    if not name or not name.replace("_", "").replace(".", "").isalnum():
        raise InvalidEvent(f"event type names are letters, digits, '_' and '.', not {name!r}")
    namespace = {
        "__annotations__": {"type": Literal[name]},
        "type": name,
        "model_config": ConfigDict(frozen=True, extra="allow"),
        "__module__": __name__,
    }
    return type(f"OpenEvent_{name}", (Event,), namespace)
