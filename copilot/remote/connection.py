"""`RemoteConnection`: `copilot.connect(base_url=..., api_key=...)` — the embedded API, over
HTTP to a `copilot serve` backend. Errors arrive as the same copilot exception classes."""

from __future__ import annotations

import os
from typing import Any

from copilot.errors import NotEnabled
from copilot.remote.handles import RemoteCaptureSession
from copilot.remote.http import Api
from copilot.runtime.states import TRANSITIONS


class RemoteConnection:
    def __init__(self, base_url: str | None = None, api_key: str | None = None) -> None:
        base_url = base_url or os.environ.get("COPILOT_BASE_URL")
        api_key = api_key or os.environ.get("COPILOT_API_KEY")
        if not base_url or not api_key:
            raise ValueError(
                "a remote connection needs base_url and api_key (or COPILOT_BASE_URL and"
                " COPILOT_API_KEY); create a key with `copilot keys create`"
            )
        self.base_url = base_url.rstrip("/")
        self.api = Api(self.base_url, api_key)

    def __enter__(self) -> RemoteConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.api.close()

    def create_capture_session(
        self,
        end_user_id: str | None = None,
        callback_url: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> RemoteCaptureSession:
        body = {"end_user_id": end_user_id, "callback_url": callback_url, "metadata": metadata}
        return RemoteCaptureSession(self.api, self.api.post("/v1/capture_sessions", body))

    def get_capture_session(self, capture_session_id: str) -> RemoteCaptureSession:
        data = self.api.get(f"/v1/capture_sessions/{capture_session_id}")
        return RemoteCaptureSession(self.api, data)

    def list_capture_sessions(
        self, status: str | None = None, limit: int | None = None
    ) -> list[RemoteCaptureSession]:
        if status is not None and status not in TRANSITIONS:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(TRANSITIONS)}")
        data = self.api.get("/v1/capture_sessions", status=status, limit=limit)
        return [RemoteCaptureSession(self.api, d) for d in data["items"]]

    def generate_client_token(
        self, expires_in: float = 600, capture_session_id: str | None = None
    ) -> str:
        body = {"expires_in": expires_in, "capture_session_id": capture_session_id}
        return self.api.post("/v1/tokens", body)["token"]

    def revoke_client_token(self, token: str) -> None:
        self.api.post("/v1/tokens/revoke", {"token": token})

    def connect_websocket(
        self, capture_session_id: str, since: int = 0, types: list[str] | None = None
    ):
        """Live events of a session over `/ws` (async iterator, resumes from `since`)."""
        return self.get_capture_session(capture_session_id).events(since=since, types=types)

    def search(self, query: str, **options: Any) -> list[Any]:
        return self.api.post("/v1/search", {"query": query, "options": options})["hits"]

    def stats(self) -> dict[str, Any]:
        return self.api.get("/v1/stats")

    def register_plugin(self, plugin: Any, name: str | None = None) -> str:
        raise NotEnabled(
            "plugins run inside the server's runtime: install them where `copilot serve` runs"
            " (entry-point group 'copilot'), not on a remote connection"
        )

    def register_event_type(self, model: Any) -> None:
        """Emit and read back your own event type: validated here with `model`, accepted by
        the server by name (its fields are kept as sent)."""
        from copilot.events import type_name
        from copilot.remote.events import register_local_type

        register_local_type(model)
        self.api.post(
            "/v1/event_types", {"type": type_name(model), "json_schema": model.model_json_schema()}
        )

    def webhook_secret(self) -> str:
        """The `whsec_…` secret webhooks are signed with (verify with copilot.delivery.signing)."""
        return self.api.get("/v1/webhooks/secret")["secret"]

    def webhook_attempts(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.api.get("/v1/webhooks/attempts", limit=limit)["items"]
