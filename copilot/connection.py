"""`copilot.connect()`: the backend-side API over an embedded runtime.

The same method names as hosted capture SDKs: create and look up capture sessions, mint
short-lived client tokens for the capture client (which never sees an API key).
"""

from __future__ import annotations

from typing import Any

from copilot.errors import NotFound
from copilot.events import Event
from copilot.handles import CaptureSession
from copilot.runtime.runtime import Runtime
from copilot.runtime.states import TRANSITIONS


class Connection:
    def __init__(self, runtime: Runtime, *, owns_runtime: bool = True) -> None:
        self.runtime = runtime
        self._owns = owns_runtime

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns:
            self.runtime.close()

    # -- sessions --
    def create_capture_session(
        self,
        end_user_id: str | None = None,
        callback_url: str | None = None,
        metadata: dict[str, Any] | None = None,
        webhook_events: list[str] | None = None,
    ) -> CaptureSession:
        """A new session. With `callback_url`, its events are POSTed there as signed
        webhooks (`webhook_events` chooses which; default: the `webhook_events` setting)."""
        rt = self.runtime
        rec = rt.call(rt.sessions.create, end_user_id, callback_url, metadata, webhook_events)
        return CaptureSession(rt, rec)

    def get_capture_session(self, capture_session_id: str) -> CaptureSession:
        rt = self.runtime
        rec = rt.call(rt.sessions.get, capture_session_id)
        if rec is None:
            raise NotFound(f"no capture session {capture_session_id!r}")
        return CaptureSession(rt, rec)

    def list_capture_sessions(
        self, status: str | None = None, limit: int | None = None
    ) -> list[CaptureSession]:
        if status is not None and status not in TRANSITIONS:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(TRANSITIONS)}")
        rt = self.runtime
        return [CaptureSession(rt, r) for r in rt.call(rt.store.sessions.list, status, limit)]

    def delete_capture_session(self, capture_session_id: str) -> None:
        """Delete a stopped (or created/failed/exported) session: its log, files and vectors."""
        self.runtime.call(self.runtime.sessions.delete, capture_session_id)
        self.runtime.plugins.call_each("copilot_session_deleted", session_id=capture_session_id)

    # -- tokens --
    def generate_client_token(
        self, expires_in: float = 600, capture_session_id: str | None = None
    ) -> str:
        """A short-lived token that lets a capture client stream, and nothing else."""
        if capture_session_id is not None:
            self.get_capture_session(capture_session_id)
        return self.runtime.signer.issue(expires_in, session_id=capture_session_id)

    def revoke_client_token(self, token: str) -> None:
        claims = self.runtime.verify_token(token)
        self.runtime.call(self.runtime.store.tokens.revoke, claims.jti)

    # -- webhooks --
    def webhook_secret(self) -> str:
        """The `whsec_…` secret webhooks are signed with (verify with copilot.delivery.signing)."""
        return self.runtime.webhooks.secret

    def webhook_attempts(self, limit: int = 100) -> list[dict[str, Any]]:
        """Latest delivery attempts, newest first."""
        return self.runtime.call(self.runtime.webhooks.list_attempts, limit)

    # -- plugins and events --
    def register_plugin(self, plugin: Any, name: str | None = None) -> str:
        return self.runtime.register_plugin(plugin, name)

    def register_event_type(self, model: type[Event]) -> None:
        self.runtime.types.register(model)

    # -- custom alert rules --
    def create_event(self, event_prompt: str, label: str) -> str:
        """Define an alert rule ("someone mentions a deadline"); returns its event_id.

        Attach it to an index with `index.create_alert(event_id)` on what `index_audio()` /
        `index_visuals()` returned."""
        from copilot.intelligence.alerts import rulebook

        return rulebook(self.runtime).create_event(event_prompt, label)

    def list_events(self) -> list[dict[str, Any]]:
        from dataclasses import asdict

        from copilot.intelligence.alerts import rulebook

        return [asdict(e) for e in rulebook(self.runtime).list_events()]

    def search(self, query: str, **options: Any) -> list[Any]:
        return self.runtime.feature("search", "search").search(query, **options)

    def stats(self) -> dict[str, Any]:
        return self.runtime.stats()
