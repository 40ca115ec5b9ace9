"""Remote `CaptureSession` and `RTStream`: the embedded handles' methods, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from copilot.capture.sources import canonical_kind
from copilot.errors import InvalidEvent
from copilot.events import Event
from copilot.handles import RTStreamBase, TranscriptPage
from copilot.remote.events import iter_remote_events, parse_event, validate_local
from copilot.remote.http import Api
from copilot.search.hits import ReplayHit
from copilot.store import RTStreamRecord, SessionRecord


def emit_body(session_id: str, event: Event | dict[str, Any]) -> dict[str, Any]:
    """The JSON to emit `event` on `session_id`, checked against the models known here
    (`InvalidEvent` now rather than a refusal later). A model is moved to the session, as
    the embedded runtime does; seq and id are the server's to assign."""
    if isinstance(event, Event):
        body = {**event.model_dump(mode="json"), "capture_session_id": session_id}
    elif isinstance(event, dict):
        body = {**event, "capture_session_id": session_id}
    else:
        raise InvalidEvent(f"an event is an Event or a dict with a type, not {event!r:.80}")
    body.pop("seq", None)
    body.pop("id", None)
    validate_local(body)
    return body


def post_event(api: Api, body: dict[str, Any], timeout: float | None = None) -> Event:
    """Persist and deliver an event on the server; returns it with its seq. `timeout`
    (seconds) replaces the client's own for this request."""
    # plugin errors have their own route: emit refuses the types only the runtime writes
    route = "plugin_errors" if body.get("type") == "plugin_error" else "emit"
    path = f"/v1/capture_sessions/{body['capture_session_id']}/{route}"
    if timeout is None:
        return parse_event(api.post(path, body))
    return parse_event(api.request("POST", path, json=body, timeout=timeout))


def search_hits(api: Api, path: str, query: str, options: dict[str, Any]) -> list[ReplayHit]:
    """A search route's hits as the embedded ones: `ReplayHit`s whose clips download."""
    from copilot.remote.clips import RemoteClips

    clips = RemoteClips(api)
    hits = api.post(path, {"query": query, "options": options})["hits"]
    return [ReplayHit.from_dict(h, clips) for h in hits]


def fetch_record(api: Api, session_id: str) -> SessionRecord:
    """The session's record as the server has it now (one GET)."""
    data = api.get(f"/v1/capture_sessions/{session_id}")
    return SessionRecord.model_validate({k: v for k, v in data.items() if k != "rtstreams"})


class RemoteRun:
    """A feature running on a server's RTStream (what `start_transcript()` returned): `id`
    names it; starting it again with the same options returns the same id."""

    def __init__(self, api: Api, run_id: str | None, rtstream_id: str, action: str) -> None:
        self._api = api
        self.id = run_id
        self.rtstream_id = rtstream_id
        self.action = action

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.action} {self.id} on {self.rtstream_id}>"


class RemoteIndex(RemoteRun):
    """What `index_audio()` / `index_visuals()` return remotely: the index, with the same
    alert methods as the embedded one (`create_alert(event_id)`, `list_alerts()`, …)."""

    def _path(self, *parts: str) -> str:
        return "/".join((f"/v1/indexes/{self.id}/alerts", *parts))

    def create_alert(self, event_id: str, callback_url: str | None = None) -> str:
        body = {"event_id": event_id, "callback_url": callback_url}
        return self._api.post(self._path(), body)["alert_id"]

    def list_alerts(self) -> list[dict[str, Any]]:
        return self._api.get(self._path())["items"]

    def enable_alert(self, alert_id: str) -> dict[str, Any]:
        return self._api.post(self._path(alert_id, "enable"))

    def disable_alert(self, alert_id: str) -> dict[str, Any]:
        return self._api.post(self._path(alert_id, "disable"))


class RemoteRTStream(RTStreamBase):
    def __init__(self, api: Api, record: RTStreamRecord) -> None:
        super().__init__(record)
        self._api = api

    def _post(self, action: str, options: dict[str, Any]) -> dict[str, Any]:
        return self._api.post(f"/v1/rtstreams/{self.id}/{action}", {"options": options})

    def _start(self, action: str, options: dict[str, Any]) -> RemoteRun:
        out = self._post(action, options)
        cls = RemoteIndex if action in ("index_audio", "index_visuals") else RemoteRun
        return cls(self._api, out.get("id"), self.id, action)

    def stop_transcript(self) -> bool:
        return self._post("stop_transcript", {})["result"]

    def search(self, query: str, **options: Any) -> list[ReplayHit]:
        return search_hits(self._api, f"/v1/rtstreams/{self.id}/search", query, options)

    def get_transcript(self, page=1, page_size=100, start=None, end=None, since=None):
        data = self._api.get(
            f"/v1/rtstreams/{self.id}/transcript",
            page=page,
            page_size=page_size,
            start=start,
            end=end,
            since=since,
        )
        return TranscriptPage.model_validate(data)


class RemoteCaptureSession:
    def __init__(self, api: Api, data: dict[str, Any]) -> None:
        self._api = api
        self._data = data
        self.id = data["id"]
        self.end_user_id = data.get("end_user_id")
        self.callback_url = data.get("callback_url")
        self.webhook_events = data.get("webhook_events")
        self.metadata = data.get("metadata") or {}
        self.created_at = data.get("created_at")

    def __repr__(self) -> str:
        return f"<RemoteCaptureSession {self.id}>"

    def _fetch(self) -> dict[str, Any]:
        self._data = self._api.get(f"/v1/capture_sessions/{self.id}")
        return self._data

    @property
    def record(self) -> SessionRecord:
        return fetch_record(self._api, self.id)

    @property
    def status(self) -> str:
        return self._fetch()["status"]

    @property
    def rtstreams(self) -> list[RemoteRTStream]:
        streams = self._fetch()["rtstreams"]
        return [RemoteRTStream(self._api, RTStreamRecord.model_validate(r)) for r in streams]

    def get_rtstream(self, category: str) -> list[RemoteRTStream]:
        kind = canonical_kind(category)
        return [s for s in self.rtstreams if s.category == kind]

    def events(
        self, since: int = 0, types: Iterable[str] | None = None, until_end: bool = True
    ) -> AsyncIterator[Event]:
        api = self._api
        return iter_remote_events(
            api.base_url, api.credential, self.id, since=since, types=types, until_end=until_end
        )

    def poll(
        self, since: int = 0, limit: int = 500, types: Iterable[str] | None = None
    ) -> tuple[list[Event], dict[str, Any]]:
        """One page of logged events after `since`: (events, {next_since, status, ended})."""
        data = self._api.get(
            f"/v1/capture_sessions/{self.id}/events",
            since=since,
            limit=limit,
            types=",".join(types) if types else None,
        )
        return [parse_event(e) for e in data.pop("events")], data

    def emit(self, event: Event | dict[str, Any]) -> Event:
        return post_event(self._api, emit_body(self.id, event))

    def search(self, query: str, **options: Any) -> list[ReplayHit]:
        return search_hits(self._api, f"/v1/capture_sessions/{self.id}/search", query, options)

    def export(self, out_dir: str | Path | None = None) -> Path:
        """Export on the server (→ `exported`), then download its files into `out_dir` on
        this machine (default `$COPILOT_HOME/exports/<id>` here), as embedded writes them."""
        import tarfile
        import tempfile

        from copilot.config import load_settings

        self._api.post(f"/v1/capture_sessions/{self.id}/export", {})
        out = Path(out_dir) if out_dir else load_settings().home / "exports" / self.id
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as tmp:
            self._api.download(f"/v1/capture_sessions/{self.id}/export.tar", tmp)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tar:
                tar.extractall(out, filter="data")  # no paths outside `out`, no links out
        return out
