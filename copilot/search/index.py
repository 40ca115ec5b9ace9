"""SearchIndex: hybrid (semantic + keyword) search over session segments, persisted on disk.

Layout under ``path``: ``chroma/`` (a Chroma PersistentClient; one cosine HNSW collection
whose embedding function is the registered offline MiniLM) and ``keywords.sqlite3`` (FTS5,
see :mod:`copilot.search.keywords`; it also holds each segment's text and metadata). Stored
vectors carry the preceding lines of their stream (:mod:`copilot.search.context`). A query
embeds once, asks Chroma for the nearest ids (distances only: Chroma is slow to return
documents) and FTS5 for the best keyword ids, scores the union on both signals and fuses them
into one calibrated 0..1 ``search_score``:

    search_score = 0.7 * cosine_similarity + 0.3 * keyword_coverage ** 2

where keyword_coverage is the IDF-weighted share of the query's terms found in the segment,
so a segment containing every query term (an exact number, a name) gains up to 0.3 over
semantics alone. chromadb and onnxruntime load when an index is opened, not on import.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from copilot.search.context import context_vectors
from copilot.search.keywords import (
    COLUMNS,
    KeywordIndex,
    bm25_idf,
    coverage,
    normalise,
    query_terms,
    segment_row,
)
from copilot.search.models import FILTER_FIELDS, SearchHit, Segment

COLLECTION = "copilot-segments"
ADD_BATCH = 256
QUERY_CACHE = 256
#: Weight of cosine similarity in search_score; the rest goes to keyword coverage.
SEMANTIC_WEIGHT = 0.7
#: Terms in more segments than this are not looked up in FTS5 (bounds a query's cost).
MAX_KEYWORD_DF = 500
#: Keyword coverage is raised to this power: partial matches on common words count little.
KEYWORD_POWER = 2.0
#: HNSW in cosine space. Meeting transcripts are full of near-duplicates ("can you hear me",
#: "you're on mute") that form a dense plateau the greedy search gets stuck on: with Chroma's
#: defaults (16 neighbours, ef_search 100) a 100k bench query found none of 14 on-topic lines
#: with cosine 0.64 and returned small talk at 0.22. 48 neighbours, ef_construction 300 and
#: ef_search 512 find them; the search costs ~2-4 ms at 100k on 2 cores.
HNSW = {"space": "cosine", "max_neighbors": 48, "ef_construction": 300, "ef_search": 512}


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
        self._collection = self._open_collection(self._keywords.get_meta("collection", COLLECTION))
        self._write_lock = threading.Lock()
        self._query_cache: dict[str, Any] = {}

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

    def _add_batch(self, batch: list[Segment]) -> int:
        unique = list({s.id: s for s in batch}.values())  # last one wins within a batch
        with self._write_lock:
            stored = self._keywords.existing([s.id for s in unique])
            todo = [s for s in unique if stored.get(s.id) != segment_row(s)]
            if not todo:
                return 0
            vectors = context_vectors(todo, self._ef._embedder.embed, self._keywords.preceding)
            self._collection.upsert(
                ids=[s.id for s in todo],
                embeddings=vectors,
                documents=[s.text for s in todo],
                metadatas=[s.metadata() for s in todo],
            )
            self._keywords.upsert(todo)
            return len(todo)

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
            if purge and (ids or strays):
                old = self._collection
                fresh_name = purging.next_name(old.name)
                if fresh_name in {c.name for c in self._client.list_collections()}:
                    self._client.delete_collection(fresh_name)  # left by a crashed purge
                fresh = self._open_collection(fresh_name)
                purging.copy_collection(old, fresh)
                self._keywords.set_meta("collection", fresh_name)
                self._collection = fresh
                self._client.delete_collection(old.name)
                purging.remove_orphan_segments(self.path / "chroma")
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
        missing = [cid for cid in keyword_ids if cid not in semantic]
        if missing:
            # Keyword-only hits still need a semantic score: dot their stored vectors.
            got = collection.get(ids=missing, include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"], strict=True):
                semantic[cid] = float(qvec @ vec)
        rows = self._keywords.rows(list(semantic))
        candidates = [
            {**dict(zip(COLUMNS, row, strict=True)), "semantic": semantic[cid]}
            for cid, row in rows.items()
        ]
        hits = [self._score(c, terms, idf) for c in candidates]
        hits.sort(key=lambda h: (-h.search_score, h.session_id, h.start, h.id))
        if score_threshold is not None:
            hits = [h for h in hits if h.search_score >= score_threshold]
        return hits[:limit]

    def _query_vector(self, query: str) -> Any:
        """The query's embedding; the same text asked of several streams embeds once."""
        vec = self._query_cache.get(query)
        if vec is None:
            vec = self._ef._embedder.embed_one(query)
            if len(self._query_cache) >= QUERY_CACHE:
                self._query_cache.pop(next(iter(self._query_cache)))
            self._query_cache[query] = vec
        return vec

    def _score(self, c: dict[str, Any], terms: list[str], idf: dict[str, float]) -> SearchHit:
        semantic = min(1.0, max(0.0, float(c.get("semantic", 0.0))))
        keyword = coverage(terms, idf, set(normalise(c["text"]).split())) if terms else 0.0
        keyword = keyword**self.keyword_power
        score = self.semantic_weight * semantic + (1 - self.semantic_weight) * keyword
        return SearchHit(
            id=c["id"],
            text=c["text"],
            start=float(c["start"]),
            end=float(c["end"]),
            search_score=round(score, 6),
            type=c["type"],
            channel=c["channel"],
            speaker=c["speaker"],
            session_id=c["session_id"],
            rtstream_id=c["rtstream_id"],
            semantic_score=round(semantic, 6),
            keyword_score=round(keyword, 6),
        )

    @property
    def collection_name(self) -> str:
        """The Chroma collection now holding the vectors (changes when a purge rebuilds it)."""
        return self._collection.name

    def count(self, session_id: str | None = None) -> int:
        """Segments stored (in one session, or all)."""
        if session_id is None:
            return self._collection.count()
        got = self._collection.get(where={"session_id": session_id}, include=[])
        return len(got["ids"])

    def close(self) -> None:
        """Release the SQLite handle (Chroma's client has no close; dropping it is enough)."""
        self._keywords.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
