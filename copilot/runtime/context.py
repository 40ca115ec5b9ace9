"""What plugins and features see of a session: ids, status, and a thread-safe `emit`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from copilot.events import Event

_OWN_FAILURES = frozenset({"plugin_error"})

if TYPE_CHECKING:
    from copilot.runtime.runtime import Runtime
    from copilot.store import SessionRecord


class SessionView(ABC):
    """What every host's session handle reads (embedded or over HTTP): `record` is the one
    part a host supplies; `status`, `metadata` and `started_at` are read from it."""

    id: str

    @property
    @abstractmethod
    def record(self) -> SessionRecord: ...

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.record.metadata)

    @property
    def started_at(self) -> float | None:
        return self.record.started_at


class SessionContext(SessionView):
    """A plugin's handle on one capture session. Safe to use from any thread."""

    def __init__(self, runtime: Runtime, session_id: str) -> None:
        self._runtime = runtime
        self.id = session_id

    @property
    def runtime(self) -> Runtime:
        return self._runtime

    @property
    def record(self) -> SessionRecord:
        return self._runtime.session_record(self.id)

    def emit(self, event: Event | dict[str, Any]) -> None:
        """Validate now (errors raise here), persist and deliver on the runtime loop. A plugin
        may report its own background failures as `plugin_error`; other reserved types are
        the runtime's."""
        draft = self._runtime.draft(self.id, event, allow=_OWN_FAILURES)
        self._runtime.submit_publish(draft)


class StreamContext(SessionContext):
    """A feature's handle on one RTStream: `emit` fills in stream, channel and session."""

    def __init__(
        self,
        runtime: Runtime,
        session_id: str,
        rtstream_id: str,
        channel: str,
        category: str,
        clock: Callable[[], float],
        realtime: bool = True,
    ) -> None:
        super().__init__(runtime, session_id)
        self.realtime = realtime  # False: a replay faster than real time (no lag, no drops)
        self.rtstream_id = rtstream_id
        self.channel = channel
        self.category = category
        self.session_time = clock  # seconds since the session started

    recorder = None  # the stream's recording (a display's ScreenRecorder), if kept

    def emit(self, event: Event | dict[str, Any]) -> None:
        if isinstance(event, dict):
            event = {"rtstream_id": self.rtstream_id, "channel": self.channel, **event}
        super().emit(event)

    def redact_recording(self, pts: float, boxes, size: tuple[int, int]) -> None:
        """Black out `boxes` ((x0, y0, x1, y1) in a `size` frame) in the recorded frame at
        `pts`; a no-op when the stream keeps no screen recording. Any thread but the loop's."""
        redact = getattr(self.recorder, "redact", None)
        if redact is not None:
            redact(pts, boxes, size)
