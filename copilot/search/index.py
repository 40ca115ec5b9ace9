"""SearchIndex: hybrid (semantic + keyword) search over session segments, persisted on disk.

Layout under ``path``: ``chroma/`` (a Chroma PersistentClient; one cosine HNSW collection
whose embedding function is the registered offline MiniLM) and
``keywords.sqlite3`` (FTS5, see :mod:`copilot.search.keywords`; it also holds each segment's
text, metadata, own vector and boilerplate score). Stored vectors blend a line with its
discussion (:mod:`copilot.search.context`). A query embeds once, asks Chroma for the nearest
ids (distances only: Chroma is slow to return documents) and FTS5 for the best keyword ids,
scores the union on both signals and fuses them into one calibrated 0..1 ``search_score``:

    search_score = 0.8 * semantic + 0.2 * keyword_coverage ** 2 - 0.1 * common

where semantic is the query's cosine with the stored vector (how well the line and its
discussion match), keyword_coverage the IDF-weighted share of the query's terms found in the
segment (an exact number or name gains up to 0.2 over semantics alone) and common the
line's boilerplate score (:mod:`copilot.search.boilerplate`). chromadb and onnxruntime load
when an index is opened, not on import.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from copilot.search.boilerplate import SAMPLE, BoilerplateScorer
from copilot.search.context import affected, discussion_vectors, history_needed
from copilot.search.keywords import (
    KeywordIndex,
    bm25_idf,
    coverage,
    query_terms,
    segment_row,
    unpack,
)
from copilot.search.models import FILTER_FIELDS, SearchHit, Segment

log = logging.getLogger(__name__)
COLLECTION = "copilot-segments"
#: Bumped when stored vectors change meaning; an older index rebuilds its vectors on open.
FORMAT = "2"
ADD_BATCH = 256
QUERY_CACHE = 256
#: Weight of the semantic score in search_score; the rest goes to keyword coverage.
SEMANTIC_WEIGHT = 0.8
#: Subtracted, times the boilerplate score, from search_score.
COMMON_PENALTY = 0.1
#: Lines scoring this as boilerplate stay out of the vector collection (keyword index only).
BOILERPLATE = 1.0
#: Terms in more segments than this are not looked up in FTS5 (bounds a query's cost).
MAX_KEYWORD_DF = 500
#: Keyword coverage is raised to this power: partial matches on common words count little.
KEYWORD_POWER = 2.0
#: HNSW in cosine space. Meeting transcripts are full of near-duplicates ("can you hear me",
#: "you're on mute") that form a dense plateau the greedy search gets stuck on: with Chroma's
#: defaults (16 neighbours, ef_search 100) a 100k bench query found none of 14 on-topic lines.
#: Boilerplate lines now stay out of the collection; with the rest, 32 neighbours and
#: ef_construction 200 reach precision@10 1.0 at 100k, and ef_search 512 is still needed
#: (at 256 one topic query found 1 of 10). A search costs ~3 ms at 100k on 2 cores.
HNSW = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 512}


class SearchIndex:
    """Segments of all sessions in one on-disk index; safe to share between threads."""

    def __init__(self, path: str | Path, *, semantic_weight: float = SEMANTIC_WEIGHT) -> None:
        import chromadb
        from chromadb.config import Settings

        from copilot.search.chroma_embedding import MiniLMEmbeddingFunction

        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.semantic_weight = semantic_weight
        self.keyword_power = KEYWORD_POWER
        self._ef = MiniLMEmbeddingFunction()
        self._client = chromadb.PersistentClient(
            path=str(self.path / "chroma"),
            settings=Settings(anonymized_telemetry=False, allow_reset=False),
        )
        self._keywords = KeywordIndex(self.path / "keywords.sqlite3")
        self._write_lock = threading.Lock()
        self._query_cache: dict[str, Any] = {}
        self._max_batch = min(ADD_BATCH * 4, self._client.get_max_batch_size())
        self._common = BoilerplateScorer(
            lambda: self._keywords.sample_vectors(SAMPLE), seen=self._keywords.count()
        )
        name = self._keywords.get_meta("collection", COLLECTION)
        if self._keywords.get_meta("format", "1") == FORMAT:
            self._collection = self._open_collection(name)
        elif self._keywords.count():
            self._collection = self._open_existing(name)
            self._rebuild()
        else:  # nothing indexed yet: start in the current format
            if name in {c.name for c in self._client.list_collections()}:
                self._client.delete_collection(name)
            self._collection = self._open_collection(name)
            self._keywords.set_meta("format", FORMAT)

    def warm(self) -> None:
        """Load the embedding model now (on a new machine: build it, ~6 s) rather than on
        the first add or search."""
        self._ef._embedder.embed(["warm-up"])

    def _open_existing(self, name: str) -> Any:
        """An older collection as it is (its own settings), or a new empty one if it is gone."""
        if name in {c.name for c in self._client.list_collections()}:
            return self._client.get_collection(name, embedding_function=self._ef)
        return self._open_collection(name)

    def _open_collection(self, name: str) -> Any:
        return self._client.get_or_create_collection(
            name, embedding_function=self._ef, configuration={"hnsw": dict(HNSW)}
        )

    # -- writing -----------------------------------------------------------------------

    def add(self, segments: Iterable[Segment | Mapping[str, Any]]) -> int:
        """Add or replace segments by id; unchanged ones are skipped. Returns how many were new
        or changed. Embeds and writes in batches."""
        written = 0
        batch: list[Segment] = []
        for item in segments:
            batch.append(Segment.coerce(item))
            if len(batch) >= ADD_BATCH:
                written += self._add_batch(batch)
                batch = []
        if batch:
            written += self._add_batch(batch)
        return written

    def _add_batch(self, batch: list[Segment], *, force: bool = False) -> int:
        unique = list({s.id: s for s in batch}.values())  # last one wins within a batch
        with self._write_lock:
            stored = self._keywords.existing([s.id for s in unique])
            todo = [s for s in unique if force or stored.get(s.id) != segment_row(s)]
            if not todo:
                return 0
            own = self._ef._embedder.embed([s.text for s in todo])
            sessions = [s.session_id for s in todo]
            common = self._common.score(sessions, own)
            commons = {s.id: float(c) for s, c in zip(todo, common, strict=True)}
            rewritten = self._rewritten(todo, own, commons)
            new = [(seg, w) for seg, w, c in rewritten if seg.id in commons and c < BOILERPLATE]
            old = [(seg, w) for seg, w, c in rewritten if seg.id not in commons and c < BOILERPLATE]
            for lo in range(0, len(new), self._max_batch):
                part = new[lo : lo + self._max_batch]
                self._collection.upsert(
                    ids=[seg.id for seg, _ in part],
                    embeddings=[w for _, w in part],
                    documents=[seg.text for seg, _ in part],
                    metadatas=[seg.metadata() for seg, _ in part],
                )
            for lo in range(0, len(old), self._max_batch):  # neighbours: only the vector moved
                part = old[lo : lo + self._max_batch]
                self._collection.update(
                    ids=[seg.id for seg, _ in part], embeddings=[w for _, w in part]
                )
            # A changed line that became boilerplate leaves the vector collection.
            gone = [s.id for s in todo if s.id in stored and commons[s.id] >= BOILERPLATE]
            if gone:
                self._collection.delete(ids=gone)
            self._keywords.upsert(todo, own, common, {seg.id: w for seg, w, _ in rewritten})
            self._common.add(sessions, own)
            return len(todo)

    def _rewritten(
        self, todo: list[Segment], own: Any, commons: dict[str, float]
    ) -> list[tuple[Segment, Any, float]]:
        """(segment, discussion vector, boilerplate score) for the new segments and for the
        stored ones whose window now reaches a new one, stream by stream."""
        import numpy as np

        fresh = {s.id: (s, own[i], commons[s.id]) for i, s in enumerate(todo)}
        out: list[tuple[Segment, Any, float]] = []
        for (sid, rid), members in _by_stream(todo).items():
            first = min(s.start for s in members)
            last = max(s.start for s in members)
            window = self._keywords.stream_window(sid, rid, first, last, history_needed())
            merged = {row[0].id: row for row in window}
            merged.update({s.id: fresh[s.id] for s in members})
            ordered = sorted(merged.values(), key=lambda r: (r[0].start, r[0].end, r[0].id))
            missing = [i for i, row in enumerate(ordered) if row[1] is None]
            if missing:  # rows of an older index, not re-embedded yet
                again = self._ef._embedder.embed([ordered[i][0].text for i in missing])
                for i, vec in zip(missing, again, strict=True):
                    ordered[i] = (ordered[i][0], vec, ordered[i][2])
            w = discussion_vectors(np.stack([row[1] for row in ordered]))
            positions = [i for i, row in enumerate(ordered) if row[0].id in fresh]
            out.extend(
                (ordered[i][0], w[i], ordered[i][2])
                for i in affected(positions[0], positions[-1], len(ordered))
            )
        return out

    def _rebuild(self) -> None:
        """Re-embed every stored segment into a fresh collection (an index written by an
        older version, whose vectors mean something else). Logs progress: ~370 segments/s."""
        streams = _by_stream(self._keywords.all_segments())
        total = sum(len(m) for m in streams.values())
        log.warning("search index %s: re-embedding %d segments for this version", self.path, total)

        def fill(fresh: Any) -> None:
            self._collection = fresh
            done = 0
            for members in streams.values():
                members.sort(key=lambda s: (s.start, s.end, s.id))
                for lo in range(0, len(members), ADD_BATCH):  # in order: windows fill up
                    done += self._add_batch(members[lo : lo + ADD_BATCH], force=True)
                log.info("search index: re-embedded %d/%d segments", done, total)

        self._swap_collection(fill)
        self._keywords.set_meta("format", FORMAT)

    def _swap_collection(self, fill: Any) -> None:
        """Replace the collection by a fresh one that ``fill(fresh)`` populates, then drop
        the old one and its files."""
        from copilot.search import purge as purging

        old = self._collection
        fresh_name = purging.next_name(old.name)
        if fresh_name in {c.name for c in self._client.list_collections()}:
            self._client.delete_collection(fresh_name)  # left by a crashed purge or rebuild
        fresh = self._open_collection(fresh_name)
        fill(fresh)
        self._keywords.set_meta("collection", fresh_name)
        self._collection = fresh
        self._client.delete_collection(old.name)
        purging.remove_orphan_segments(self.path / "chroma")

    def delete_session(self, session_id: str, *, purge: bool = True) -> int:
        """Remove every vector, document and keyword row of a session; returns how many.

        With ``purge`` (the default) nothing of the session stays in any file either: the
        collection is rebuilt without it and Chroma's SQLite vacuumed (see
        :mod:`copilot.search.purge`; costs a copy of the index).
        """
        from copilot.search import purge as purging

        with self._write_lock:
            ids = self._keywords.session_ids(session_id)
            for lo in range(0, len(ids), 1000):
                self._collection.delete(ids=ids[lo : lo + 1000])
            # Anything Chroma holds that the keyword table lost track of goes too.
            strays = self._collection.get(where={"session_id": session_id}, include=[])["ids"]
            if strays:
                self._collection.delete(ids=strays)
            self._keywords.delete_session(session_id)
            self._common.forget(session_id)
            if purge and (ids or strays):
                old = self._collection
                self._swap_collection(lambda fresh: purging.copy_collection(old, fresh))
                purging.scrub_unused_capacity(self.path / "chroma")
                purging.vacuum(self.path / "chroma")
            return len(set(ids) | set(strays))

    # -- reading -----------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        session_id: str | None = None,
        rtstream_id: str | None = None,
        filter: Mapping[str, Any] | None = None,
        limit: int = 10,
        score_threshold: float | None = None,
    ) -> list[SearchHit]:
        """Best segments for a query, best first. ``filter`` matches metadata fields
        (session_id, rtstream_id, channel, speaker, type) by value or list of values."""
        filters = dict(filter or {})
        if session_id is not None:
            filters["session_id"] = session_id
        if rtstream_id is not None:
            filters["rtstream_id"] = rtstream_id
        if limit <= 0 or not query.strip():
            return []
        if any(isinstance(v, (list, tuple, set, frozenset)) and not v for v in filters.values()):
            return []  # an empty "one of" matches nothing
        pool = max(3 * limit, 30)
        qvec = self._query_vector(query)
        terms = query_terms(query)

        # Vector side: ids and distances only (Chroma is slow to return documents and
        # metadata; the keyword table has them).
        collection = self._collection
        try:
            found = collection.query(
                query_embeddings=[qvec],
                n_results=pool,
                where=_chroma_where(filters),
                include=["distances"],
            )
        except Exception:
            if collection is self._collection:
                raise
            # A purge swapped in a rebuilt collection while we asked the old one.
            return self.search(query, filter=filters, limit=limit, score_threshold=score_threshold)
        semantic = {
            cid: 1.0 - dist
            for cid, dist in zip(found["ids"][0], found["distances"][0], strict=True)
        }
        # Keyword side: terms so common that ranking them would scan much of the index carry
        # little signal; they still count (weakly) in the coverage score.
        total, df = self._keywords.term_stats(terms)
        idf = {t: bm25_idf(total, df.get(t, 0)) for t in terms}
        searchable = [t for t in terms if 0 < df.get(t, 0) <= MAX_KEYWORD_DF]
        keyword_ids = self._keywords.search(searchable, filters, pool)
        rows = self._keywords.rows(list(dict.fromkeys([*semantic, *keyword_ids])))
        scored = []
        for cid, row in rows.items():
            if cid not in semantic:  # keyword-only: dot its stored discussion vector
                semantic[cid] = float(qvec @ unpack(row.wvec)) if row.wvec is not None else 0.0
            scored.append((self._score(row, semantic[cid], terms, idf), row))
        scored.sort(key=lambda p: (-p[0][0], p[1].session_id, p[1].start, p[1].id))
        if score_threshold is not None:
            scored = [p for p in scored if p[0][0] >= score_threshold]
        return [_hit(row, *scores) for scores, row in scored[:limit]]

    def _query_vector(self, query: str) -> Any:
        """The query's embedding; the same text asked of several streams embeds once."""
        vec = self._query_cache.get(query)
        if vec is None:
            vec = self._ef._embedder.embed_one(query)
            if len(self._query_cache) >= QUERY_CACHE:
                self._query_cache.pop(next(iter(self._query_cache)))
            self._query_cache[query] = vec
        return vec

    def _score(
        self, row: Any, semantic: float, terms: list[str], idf: dict[str, float]
    ) -> tuple[float, float, float]:
        """(search_score, semantic, keyword) of a candidate row."""
        semantic = min(1.0, max(0.0, semantic))
        keyword = coverage(terms, idf, set(row.kw_text.split())) if terms else 0.0
        keyword = keyword**self.keyword_power
        score = self.semantic_weight * semantic + (1 - self.semantic_weight) * keyword
        score = max(0.0, score - COMMON_PENALTY * float(row.common or 0.0))
        return round(score, 6), round(semantic, 6), round(keyword, 6)

    @property
    def collection_name(self) -> str:
        """The Chroma collection now holding the vectors (changes when a purge rebuilds it)."""
        return self._collection.name

    def count(self, session_id: str | None = None) -> int:
        """Segments stored (in one session, or all); boilerplate lines included."""
        return self._keywords.count(session_id)

    def close(self) -> None:
        """Release the SQLite handle (Chroma's client has no close; dropping it is enough)."""
        self._keywords.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _by_stream(segments: Iterable[Segment]) -> dict[tuple[str, str], list[Segment]]:
    streams: dict[tuple[str, str], list[Segment]] = {}
    for seg in segments:
        streams.setdefault((seg.session_id, seg.rtstream_id), []).append(seg)
    return streams


def _hit(row: Any, score: float, semantic: float, keyword: float) -> SearchHit:
    return SearchHit(
        id=row.id,
        text=row.text,
        start=float(row.start),
        end=float(row.end),
        search_score=score,
        type=row.type,
        channel=row.channel,
        speaker=row.speaker,
        session_id=row.session_id,
        rtstream_id=row.rtstream_id,
        semantic_score=semantic,
        keyword_score=keyword,
    )


def _chroma_where(filters: Mapping[str, Any]) -> dict[str, Any] | None:
    clauses = []
    for key, value in filters.items():
        if key not in FILTER_FIELDS:
            raise ValueError(f"cannot filter on {key!r}; use one of {FILTER_FIELDS}")
        if isinstance(value, (list, tuple, set, frozenset)):
            clauses.append({key: {"$in": list(value)}})
        else:
            clauses.append({key: value})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
