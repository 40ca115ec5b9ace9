"""User-facing handles: `CaptureSession` and `RTStream`, the shapes hosted SDKs use.

They hold ids and a snapshot; live state (`status`) is read from the runtime on access.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from copilot.capture.sources import canonical_kind
from copilot.events import Event, TranscriptEvent
from copilot.runtime.features import METHOD_FEATURE
from copilot.store import RTStreamRecord, SessionRecord
from copilot.text.revisions import newest_finals

if TYPE_CHECKING:
    from copilot.runtime.runtime import Runtime


class TranscriptPage(BaseModel):
    """One page of final transcript; `next_since` resumes after its last event."""

    items: list[TranscriptEvent]
    page: int
    page_size: int
    total: int
    next_since: int

    def __iter__(self):  # type: ignore[override]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def text(self) -> str:
        return " ".join(ev.text for ev in self.items)


async def iter_events(
    rt: Runtime,
    session_id: str,
    *,
    since: int = 0,
    types: Iterable[str] | None = None,
    until_end: bool = True,
) -> AsyncIterator[Event]:
    """Replay a session's events after `since`, then follow live, from any event loop."""
    async for batch in iter_batches(rt, session_id, since=since, types=types, until_end=until_end):
        for ev in batch:
            yield ev


async def iter_batches(
    rt: Runtime,
    session_id: str,
    *,
    since: int = 0,
    types: Iterable[str] | None = None,
    until_end: bool = True,
) -> AsyncIterator[list[Event]]:
    """`iter_events` a batch at a time: what was there when the reader asked (a fan-out
    sends a batch with one write)."""
    cursor = await rt.acall_sync(
        lambda: rt.cursor(session_id, since=since, types=types, until_end=until_end)
    )
    async for batch in follow_batches(rt, cursor):
        yield batch


async def follow_cursor(rt: Runtime, cursor: Any) -> AsyncIterator[Event]:
    """A runtime cursor's events (its `next_batch` runs on the runtime loop) until it ends;
    the cursor is closed afterwards, also when the reader stops early."""
    async for batch in follow_batches(rt, cursor):
        for ev in batch:
            yield ev


async def follow_batches(rt: Runtime, cursor: Any) -> AsyncIterator[list[Event]]:
    """`follow_cursor` a batch at a time."""
    try:
        while True:
            batch = await rt.acall(cursor.next_batch)
            if batch is None:
                return
            yield batch
    finally:
        if not rt.closed:
            rt.loop.call_soon_threadsafe(cursor.close)


def read_page(
    rt: Runtime,
    session_id: str,
    since: int = 0,
    limit: int = 500,
    types: Iterable[str] | None = None,
) -> tuple[list[Event], dict[str, Any]]:
    """One page of the durable log after `since` (run on the loop): the events, and
    `{"next_since", "status", "ended"}` — `next_since` is the cursor for the next page,
    `ended` says the session is over and this page has its last events."""
    from copilot.runtime.states import TERMINAL

    if not 1 <= limit <= 5000:
        raise ValueError("limit must be between 1 and 5000")
    if since < 0:
        raise ValueError("since must be >= 0")
    status = rt.sessions.require(session_id).status
    rows = rt.log.read(session_id, after=since, limit=limit, types=list(types) if types else None)
    page = {
        "next_since": rows[-1].seq if rows else since,
        "status": status,
        "ended": status in TERMINAL and len(rows) < limit,
    }
    return rows, page


class RTStreamBase:
    """What every RTStream handle shares, whatever the transport: ids, and the feature
    methods, which pack their options and hand them to `_start(method, options)`."""

    def __init__(self, record: RTStreamRecord) -> None:
        self.id = record.id
        self.capture_session_id = record.capture_session_id
        self.channel_id = record.channel_id
        self.category = record.category
        self.name = record.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.category} {self.channel_id!r}>"

    def _start(self, method: str, options: dict[str, Any]) -> Any:
        raise NotImplementedError

    def start_transcript(self, vocabulary: list[str] | None = None, **options: Any) -> Any:
        """Live transcript: partials and a final per utterance, each final refined in the
        background (a later revision replaces its text). ``vocabulary``: names and terms to
        recognise ("Mei", "Priya"; the session's participants are added)."""
        if vocabulary is not None:
            options["vocabulary"] = list(vocabulary)
        return self._start("start_transcript", options)

    def index_audio(
        self,
        prompt: str | None = None,
        batch_config: dict[str, Any] | None = None,
        model_name: str | None = None,
        **options: Any,
    ) -> Any:
        opts = {"prompt": prompt, "batch_config": batch_config, "model_name": model_name}
        return self._start("index_audio", {**opts, **options})

    def index_visuals(
        self,
        prompt: str | None = None,
        batch_config: dict[str, Any] | None = None,
        model_name: str | None = None,
        **options: Any,
    ) -> Any:
        opts = {"prompt": prompt, "batch_config": batch_config, "model_name": model_name}
        return self._start("index_visuals", {**opts, **options})


class RTStream(RTStreamBase):
    """One captured channel of a session (category mic, system_audio or display)."""

    def __init__(self, rt: Runtime, record: RTStreamRecord) -> None:
        super().__init__(record)
        self._rt = rt

    def _start(self, method: str, options: dict[str, Any]) -> Any:
        name = METHOD_FEATURE[method]
        return self._rt.call(self._rt.sessions.start_feature, self.id, name, method, options)

    def stop_transcript(self) -> bool:
        return self._rt.call(self._rt.sessions.stop_feature, self.id, "transcript")

    def search(self, query: str, **options: Any) -> list[Any]:
        feature = self._rt.feature("search", "search")
        return feature.search(
            query, session_id=self.capture_session_id, rtstream_id=self.id, **options
        )

    def get_transcript(
        self,
        page: int = 1,
        page_size: int = 100,
        start: float | None = None,
        end: float | None = None,
        since: int | None = None,
    ) -> TranscriptPage:
        """Final transcript of this stream from the log, optionally within [start, end].

        One item per utterance: its newest revision (``copilot.text.revisions``), in the
        order the utterances were first heard. With ``since``, an utterance revised after
        ``since`` comes back with its new text (replace the earlier one by ``utterance_id``).
        """
        if page < 1 or page_size < 1:
            raise ValueError("page and page_size start at 1")
        events = newest_finals(self._rt.call(self._finals, since or 0))
        items = [
            ev
            for ev in events
            if (start is None or (ev.end if ev.end is not None else 0) >= start)
            and (end is None or (ev.start if ev.start is not None else 0) <= end)
        ]
        chunk = items[(page - 1) * page_size : page * page_size]
        seen = items[: page * page_size]  # a revision may sit before a later-seq original
        last = max(ev.seq for ev in seen) if chunk else (since or 0)
        return TranscriptPage(
            items=chunk, page=page, page_size=page_size, total=len(items), next_since=last
        )

    def _finals(self, since: int) -> list[TranscriptEvent]:
        out: list[TranscriptEvent] = []
        after = since
        while True:
            rows = self._rt.log.read(
                self.capture_session_id, after=after, limit=5000, types=["transcript"]
            )
            if not rows:
                return out
            after = rows[-1].seq
            out.extend(e for e in rows if e.rtstream_id == self.id and e.is_final)


class CaptureSession:
    """A capture session: created by the backend, started by a capture client."""

    def __init__(self, rt: Runtime, record: SessionRecord) -> None:
        self._rt = rt
        self.id = record.id
        self.end_user_id = record.end_user_id
        self.callback_url = record.callback_url
        self.webhook_events = record.webhook_events
        self.metadata = record.metadata
        self.created_at = record.created_at

    def __repr__(self) -> str:
        return f"<CaptureSession {self.id} {self.status}>"

    @property
    def record(self) -> SessionRecord:
        return self._rt.session_record(self.id)

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def rtstreams(self) -> list[RTStream]:
        recs = self._rt.call(self._rt.sessions.rtstreams, self.id)
        return [RTStream(self._rt, r) for r in recs]

    def get_rtstream(self, category: str) -> list[RTStream]:
        """Streams of one category: "mic", "system_audio", "display" (alias "screen")."""
        kind = canonical_kind(category)
        return [s for s in self.rtstreams if s.category == kind]

    def events(
        self, since: int = 0, types: Iterable[str] | None = None, until_end: bool = True
    ) -> AsyncIterator[Event]:
        """Async iterator: the log after `since`, then live; ends after the session ends."""
        return iter_events(self._rt, self.id, since=since, types=types, until_end=until_end)

    def poll(
        self, since: int = 0, limit: int = 500, types: Iterable[str] | None = None
    ) -> tuple[list[Event], dict[str, Any]]:
        """One page of logged events after `since`: (events, {next_since, status, ended})."""
        return self._rt.call(read_page, self._rt, self.id, since, limit, types)

    def emit(self, event: Event | dict[str, Any]) -> Event:
        """Validate, persist and deliver an event of a registered type; returns it with seq."""
        draft = self._rt.draft(self.id, event)
        return self._rt.call(self._rt.publish, draft)

    def search(self, query: str, **options: Any) -> list[Any]:
        return self._rt.feature("search", "search").search(query, session_id=self.id, **options)

    def export(self, out_dir: str | Path | None = None) -> Path:
        """Write the session to a folder (transcript.json/.srt/.vtt, notes.md, events, audio,
        keyframes; default `$COPILOT_HOME/exports/<id>`) and move it to `exported`."""
        return self._rt.call_async(self._rt.sessions.export, self.id, out_dir)
