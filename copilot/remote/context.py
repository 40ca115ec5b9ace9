"""What a plugin hosted next to a `RemoteConnection` sees of a session: the embedded
`SessionContext` surface (id, status, metadata, started_at, record, emit), over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from copilot.events import Event
from copilot.remote.handles import emit_body, fetch_record
from copilot.remote.http import Api
from copilot.runtime.context import SessionView
from copilot.store import SessionRecord


class RemoteSessionContext(SessionView):
    """A plugin's handle on one capture session of a `copilot serve` backend.

    `status`, `metadata` and `started_at` read the session from the server (a blocking HTTP
    call, as the embedded ones block on the runtime loop); `emit` validates against the models
    known in this process, then hands the event to the host, which posts it in order.
    """

    def __init__(self, api: Api, session_id: str, submit: Callable[[dict[str, Any]], None]):
        self._api = api
        self._submit = submit
        self.id = session_id

    def __repr__(self) -> str:
        return f"<RemoteSessionContext {self.id}>"

    @property
    def record(self) -> SessionRecord:
        return fetch_record(self._api, self.id)

    def emit(self, event: Event | dict[str, Any]) -> None:
        """Validate now (errors raise here), persist and deliver on the server soon after."""
        self._submit(emit_body(self.id, event))
