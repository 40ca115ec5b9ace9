"""`RemoteConnection`: `copilot.connect(base_url=..., api_key=...)` — the embedded API, over
HTTP to a `copilot serve` backend. Errors arrive as the same copilot exception classes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from copilot.config import load_settings
from copilot.remote.handles import RemoteCaptureSession
from copilot.remote.http import Api
from copilot.runtime.states import TRANSITIONS

if TYPE_CHECKING:
    from copilot.remote.plugin_host import RemotePluginHost


class RemoteConnection:
    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, **settings: Any
    ) -> None:
        """`settings` (e.g. `plugin_timeout`) apply to plugins registered on this connection,
        which run in this process; everything else is the server's configuration."""
        base_url = base_url or os.environ.get("COPILOT_BASE_URL")
        api_key = api_key or os.environ.get("COPILOT_API_KEY")
        if not base_url or not api_key:
            raise ValueError(
                "a remote connection needs base_url and api_key (or COPILOT_BASE_URL and"
                " COPILOT_API_KEY); create a key with `copilot keys create`"
            )
        self.base_url = base_url.rstrip("/")
        self.api = Api(self.base_url, api_key)
        self._settings = load_settings(**settings) if settings else None
        self._plugins: RemotePluginHost | None = None

    def __enter__(self) -> RemoteConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the plugins registered here (see `register_plugin`), then the HTTP client."""
        if self._plugins is not None:
            self._plugins.close()
        self.api.close()

    def create_capture_session(
        self,
        end_user_id: str | None = None,
        callback_url: str | None = None,
        metadata: dict[str, Any] | None = None,
        webhook_events: list[str] | None = None,
    ) -> RemoteCaptureSession:
        body = {"end_user_id": end_user_id, "callback_url": callback_url, "metadata": metadata}
        if webhook_events is not None:
            body["webhook_events"] = list(webhook_events)
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

    def delete_capture_session(self, capture_session_id: str) -> None:
        """Delete a session that is not live on the server: its log, files and vectors."""
        self.api.request("DELETE", f"/v1/capture_sessions/{capture_session_id}")

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

    # -- custom alert rules --
    def create_event(self, event_prompt: str, label: str) -> str:
        """Define an alert rule ("someone mentions a deadline"); returns its event_id. Attach
        it with `index.create_alert(event_id)` on what `index_audio()`/`index_visuals()`
        returned."""
        body = {"event_prompt": event_prompt, "label": label}
        return self.api.post("/v1/alert_rules", body)["event_id"]

    def list_events(self) -> list[dict[str, Any]]:
        return self.api.get("/v1/alert_rules")["items"]

    def search(self, query: str, **options: Any) -> list[Any]:
        """Search every session: `ReplayHit`s, as embedded (their clips download)."""
        from copilot.remote.handles import search_hits

        return search_hits(self.api, "/v1/search", query, options)

    def stats(self) -> dict[str, Any]:
        """The server's counters, plus `local_plugins` for plugins registered here."""
        data = self.api.get("/v1/stats")
        if self._plugins is not None and not self._plugins.closed:
            data["local_plugins"] = self._plugins.stats()
        return data

    def register_plugin(self, plugin: Any, name: str | None = None) -> str:
        """Run `plugin`'s event hooks in this process on every session's events from now on;
        its results and failures (`plugin_error`) are emitted on the server. Hooks that only
        run inside the server (sources, features, detectors, …) raise `NotEnabled`. See
        docs/plugins.md, "Run-time plugins on a remote connection"."""
        if self._plugins is None:
            from copilot.remote.plugin_host import RemotePluginHost

            self._plugins = RemotePluginHost(self, self._settings or load_settings())
        return self._plugins.register(plugin, name)

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
