"""Builtin plugin: replay search over what was said and shown, in Chroma on disk.

Final transcripts and index events (audio and visual, with their OCR text) become segments of
one hybrid index under `$COPILOT_HOME/search/` (offline MiniLM vectors + SQLite FTS5
keywords), so `rtstream.search()`, `cap.search()` and `conn.search()` find paraphrases as well
as exact names and numbers, with start/end times for replay. A transcript line is one segment
per utterance (id `utterance_id`): a refined revision replaces the line it revises, the newest
revision winning as in `copilot.text.revisions`. Hooks only queue segments: one
background thread indexes them in order (`copilot.search.background`), and a search first
waits for what is queued. When a session becomes active the index is opened and the embedding
model loaded (built, on a new machine) in the background. Replicas on one database each keep
their own index: a search first indexes what the shared log holds for its scope that this
replica has not seen (`catch_up`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, NamedTuple

from copilot import hookimpl
from copilot.recordings import LocalClips
from copilot.search.hits import ReplayHit
from copilot.search.models import Segment
from copilot.text.revisions import supersedes

__all__ = ["ReplayHit", "ReplaySearch", "ReplaySearchPlugin"]  # ReplayHit: copilot.search.hits

log = logging.getLogger(__name__)


class _Revision(NamedTuple):
    revision: int
    seq: int


class ReplaySearch:
    """One index per home directory; opened once, shared by the hooks and the feature."""

    name = "search"

    def __init__(self, settings) -> None:
        from copilot.search.background import BackgroundIndexer

        self.home = settings.home
        self.path = settings.home / "search"
        self._index = None
        self._lock = threading.Lock()
        self._sessions: dict[str, Any] = {}  # session id -> context, to report failures
        self._revisions: dict[str, dict[str, _Revision]] = {}  # session -> utterance -> newest
        self._revision_lock = threading.Lock()
        self._warmer: threading.Thread | None = None
        self._indexer = BackgroundIndexer(lambda segs: self.index.add(segs), self._report)
        self._shared = None  # the runtime, when replicas share its store (see catch_up)
        self._caught_up: dict[str, int] = {}  # session -> last seq read from the shared log

    @property
    def index(self):
        with self._lock:
            if self._index is None:
                from copilot.search.index import SearchIndex

                self._index = SearchIndex(self.path)
            return self._index

    def warm(self) -> None:
        with self._lock:
            if self._warmer is not None:
                return
            self._warmer = threading.Thread(
                target=self._warm, name="copilot-search-open", daemon=True
            )
            self._warmer.start()

    def _warm(self) -> None:
        try:
            self.index.warm()
        except Exception as exc:  # the first add or search reports it
            log.warning("search: could not load the index or its model: %s", exc)

    def _report(self, segment: Segment, exc: BaseException) -> None:
        from copilot.events import PluginErrorEvent

        session = self._sessions.get(segment.session_id)
        if session is not None:
            error = f"could not index {segment.id}: {type(exc).__name__}: {exc}"
            session.emit(PluginErrorEvent(plugin="replay_search", hook="index", error=error))

    def forget_context(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)
        with self._revision_lock:
            self._revisions.pop(session_id, None)

    def _newest(self, event) -> bool:
        """Whether ``event`` is the newest revision of its utterance seen so far."""
        with self._revision_lock:
            seen = self._revisions.setdefault(event.capture_session_id, {})
            old = seen.get(event.utterance_id)
            if old is not None and not supersedes(event, old):
                return False
            seen[event.utterance_id] = _Revision(event.revision, event.seq)
            return True

    def add_event(self, event, session=None) -> None:
        segment_id = getattr(event, "scene_id", None) or event.id  # a scene's end replaces it
        if event.type == "transcript":
            if not event.is_final:
                return
            kind, text = "transcript", event.text
            if event.utterance_id:
                if not self._newest(event):
                    return  # an older revision of a line already indexed
                segment_id = event.utterance_id
        elif event.type == "index":
            if event.index_id == "meeting-summary":
                return  # the running summary spans the meeting: not a moment to jump to
            kind = f"{event.index_type}_index"
            text = event.full_text  # with every word read on screen (ocr_text)
        else:
            return
        if session is not None:
            self._sessions[event.capture_session_id] = session
        self._indexer.put(
            Segment(
                id=segment_id,
                text=text,
                session_id=event.capture_session_id,
                rtstream_id=event.rtstream_id or "",
                channel=event.channel or "",
                speaker=getattr(event, "speaker", None) or "",
                type=kind,
                start=event.start or 0.0,
                end=event.end if event.end is not None else (event.start or 0.0),
            )
        )

    def search(
        self,
        query: str,
        *,
        session_id: str | None = None,
        rtstream_id: str | None = None,
        score_threshold: float | None = None,
        result_threshold: int | None = None,
        filter: dict[str, Any] | None = None,
        limit: int = 10,
    ) -> list[Any]:
        if not query or not query.strip():
            raise ValueError("search needs a non-empty query")
        if self._shared is not None:
            self.catch_up(session_id)
        self._indexer.flush()
        hits = self.index.search(
            query,
            session_id=session_id,
            rtstream_id=rtstream_id,
            filter=filter,
            limit=result_threshold or limit,
            score_threshold=score_threshold,
        )
        clips = LocalClips(self.home)
        return [ReplayHit(h, clips) for h in hits]

    def share(self, runtime) -> None:
        if runtime.store.shared:
            self._shared = runtime

    def catch_up(self, session_id: str | None) -> None:
        """Replicas share the event log, not this index (it lives in each replica's home):
        before a search, index what the log holds for its scope that this replica has not
        seen — what other replicas logged. Unchanged segments are skipped without embedding,
        so this costs reads, then only the new lines."""
        rt = self._shared
        sids = [session_id] if session_id else [r.id for r in rt.store.sessions.list()]
        for sid in sids:
            after = self._caught_up.get(sid, 0)
            while rows := rt.log.read(sid, after=after, limit=2000, types=("transcript", "index")):
                for ev in rows:
                    self.add_event(ev)
                after = rows[-1].seq
            self._caught_up[sid] = after

    def delete_session(self, session_id: str) -> None:
        self._indexer.flush()
        self.index.delete_session(session_id)
        self.forget_context(session_id)

    def close(self) -> None:
        if self._warmer is not None:
            # Native code (onnxruntime) must not be mid-call when the interpreter exits.
            self._warmer.join(60)
        self._indexer.close()
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


class ReplaySearchPlugin:
    """The hookimpls, bound to the runtime's ReplaySearch (each runtime has its own)."""

    def __init__(self) -> None:
        self.search: ReplaySearch | None = None

    @hookimpl
    def copilot_register_features(self, register, settings):
        self.search = ReplaySearch(settings)
        register("search", self.search)

    @hookimpl
    def copilot_startup(self, runtime):
        if self.search is not None:
            self.search.share(runtime)

    @hookimpl
    def copilot_session_status(self, event):
        if self.search is None:
            return
        if event.status == "active":
            self.search.warm()
        elif event.status in ("exported", "failed"):
            self.search.forget_context(event.capture_session_id)

    @hookimpl
    def copilot_transcript(self, event, session):
        self.search.add_event(event, session)

    @hookimpl
    def copilot_index(self, event, session):
        self.search.add_event(event, session)

    @hookimpl
    def copilot_session_deleted(self, session_id):
        self.search.delete_session(session_id)

    @hookimpl
    def copilot_shutdown(self):
        if self.search is not None:
            self.search.close()
