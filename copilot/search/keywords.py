"""Keyword side of hybrid search: an SQLite FTS5 index beside the Chroma directory.

Embeddings blur exact tokens ("4111", "1.2 million", a surname), so exact matches come from
here. The text is normalised before indexing (:func:`copilot.text.numbers.match_form`: lower
case, numbers as digits, digit groups joined, decimals kept as one token, "%" as "percent",
other punctuation dropped) and queries go through the same normaliser, so "$1,200" and "1200"
meet, and so do "twelve percent" and "12 %". An index written with an older normaliser is
re-normalised when opened (``KW_FORMAT``). Rows also carry the segment metadata, which lets
the index answer filtered keyword queries and hand back text and times without a Chroma
round trip.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from copilot.search.models import FILTER_FIELDS, Segment
from copilot.text.numbers import match_form

#: Bumped when ``normalise`` changes; older rows get their keyword text written again.
KW_FORMAT = "3"

#: Words that carry no keyword signal in meeting queries ("what did we say about ...").
_STOPWORD_TEXT = """a about above after again all also am an and any are as at be been before being
    between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its just let lets me
    more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their them then there these they this those through
    to too under until up us very was we were what when where which while who whom why will
    with would you your yours yeah okay ok um uh like know think say said says saying tell
    told talk talked talking discuss discussed discussing discussion mention mentioned
    anything something thing things someone anyone meeting"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    rtstream_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    speaker TEXT NOT NULL,
    type TEXT NOT NULL,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    text TEXT NOT NULL,
    kw_text TEXT NOT NULL,
    vec BLOB,
    wvec BLOB,
    common REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS segments_session ON segments(session_id);
CREATE INDEX IF NOT EXISTS segments_stream ON segments(session_id, rtstream_id, start);
CREATE VIRTUAL TABLE IF NOT EXISTS segments_fts USING fts5(
    kw_text, content='segments', content_rowid='rowid',
    tokenize="unicode61 remove_diacritics 0 tokenchars '.'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS segments_vocab USING fts5vocab(segments_fts, 'row');
CREATE TRIGGER IF NOT EXISTS segments_ai AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts(rowid, kw_text) VALUES (new.rowid, new.kw_text);
END;
CREATE TRIGGER IF NOT EXISTS segments_ad AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, kw_text)
    VALUES ('delete', old.rowid, old.kw_text);
END;
"""

COLUMNS = ("id", "session_id", "rtstream_id", "channel", "speaker", "type", "start", "end", "text")
#: Columns added after the first release; an older file gets them on open.
_ADDED = {"vec": "BLOB", "wvec": "BLOB", "common": "REAL NOT NULL DEFAULT 0"}


def normalise(text: str) -> str:
    """Lower-case words and numbers separated by single spaces ("$1,200.50!" -> "1200.50",
    "Twelve per cent" -> "12 percent")."""
    return match_form(text)


#: A word made of joined parts: CamelCase ("ConnectionRefusedError"), snake_case, dotted.
_COMPOUND = re.compile(r"[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)+|[A-Za-z0-9]*[a-z0-9][A-Z][A-Za-z0-9]*")
_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def compound_parts(text: str) -> list[str]:
    """What a compound word on screen can be searched by, besides itself: its parts and the
    runs of its leading parts ("ConnectionRefusedError" -> connection, refused, error,
    connectionrefused; "user_id" -> user, id, userid)."""
    extra: list[str] = []
    for word in _COMPOUND.findall(text):
        parts = _PART.findall(word)
        if len(parts) < 2:
            continue
        extra += parts
        extra += ["".join(parts[:n]) for n in range(2, len(parts) + 1)]
    return extra


def index_form(text: str) -> str:
    """The keyword text stored for a segment: `normalise(text)` plus each compound word's
    parts and leading runs, so a query for part of an identifier that was on screen finds it.
    Queries are only normalised (their own compounds stay whole)."""
    extra = compound_parts(text)
    return normalise(" ".join([text, *extra])) if extra else normalise(text)


def query_terms(query: str) -> list[str]:
    """The distinct non-stopword terms of a query, in order."""
    seen: dict[str, None] = {}
    for term in normalise(query).split():
        if term not in STOPWORDS:
            seen.setdefault(term, None)
    return list(seen)


def where_sql(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """SQL conditions (on alias s) for equality / membership filters."""
    parts, args = [], []
    for key, value in filters.items():
        if key not in FILTER_FIELDS:
            raise ValueError(f"cannot filter on {key!r}; use one of {FILTER_FIELDS}")
        if isinstance(value, (list, tuple, set, frozenset)):
            values = list(value)
            parts.append(f"s.{key} IN ({','.join('?' * len(values))})" if values else "0")
            args.extend(values)
        else:
            parts.append(f"s.{key} = ?")
            args.append(value)
    return (" AND ".join(parts) or "1"), args


def segment_row(s: Segment) -> tuple:
    """A segment as the keyword table's leading columns (id … text), in COLUMNS order."""
    return (
        s.id,
        s.session_id,
        s.rtstream_id,
        s.channel,
        s.speaker,
        s.type,
        float(s.start),
        float(s.end),
        s.text,
    )


class KeywordIndex:
    """FTS5 keyword index plus a row per segment (metadata and text) in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left
        self._db.executescript(_SCHEMA)
        have = {row[1] for row in self._db.execute("PRAGMA table_info(segments)")}
        for column, decl in _ADDED.items():
            if column not in have:
                self._db.execute(f"ALTER TABLE segments ADD COLUMN {column} {decl}")
        self._total: int | None = None
        if self.get_meta("kw_format", "1") != KW_FORMAT:
            self._renormalise()

    def _renormalise(self) -> None:
        """Write every row's keyword text again with today's ``index_form`` and rebuild FTS."""
        with self._lock:
            rows = self._db.execute("SELECT rowid, text FROM segments").fetchall()
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "UPDATE segments SET kw_text = ? WHERE rowid = ?",
                    [(index_form(text), rowid) for rowid, text in rows],
                )
                self._db.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('kw_format', ?)", [KW_FORMAT]
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def existing(self, ids: Sequence[str]) -> dict[str, tuple]:
        """Stored (text, metadata...) per id, to skip re-adding unchanged segments."""
        return self._by_id(ids, _quoted(COLUMNS))

    def _by_id(self, ids: Sequence[str], columns: Sequence[str]) -> dict[str, tuple]:
        """Rows of ``columns`` (the first being id) for these ids, in chunks of 500."""
        out: dict[str, tuple] = {}
        with self._lock:
            for lo in range(0, len(ids), 500):
                chunk = list(ids[lo : lo + 500])
                rows = self._db.execute(
                    f"SELECT {', '.join(columns)} FROM segments "
                    f"WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                out.update({row[0]: row for row in rows})
        return out

    def upsert(
        self,
        segments: Sequence[Segment],
        vectors: Sequence[Any] | None = None,
        common: Sequence[float] | None = None,
        discussion: Mapping[str, Any] | None = None,
    ) -> None:
        """Store segments with their own embedding and discussion vector (float16 bytes, see
        :mod:`copilot.search.context`) and their boilerplate score. ``discussion`` may also
        hold new vectors of stored neighbours: they are re-written in the same transaction."""
        none = [None] * len(segments)
        vecs = [_pack(v) for v in vectors] if vectors is not None else none
        commons = [float(c) for c in common] if common is not None else [0.0] * len(segments)
        discussion = discussion or {}
        wvecs = [_pack(discussion[s.id]) if s.id in discussion else None for s in segments]
        rows = [
            (*segment_row(s), index_form(s.text), v, w, c)
            for s, v, w, c in zip(segments, vecs, wvecs, commons, strict=True)
        ]
        with self._lock:
            self._total = None
            self._db.execute("BEGIN")
            try:
                # Delete then insert (not INSERT OR REPLACE) so the delete trigger cleans FTS.
                self._db.executemany("DELETE FROM segments WHERE id = ?", [(r[0],) for r in rows])
                self._db.executemany(
                    "INSERT INTO segments (id, session_id, rtstream_id, channel, speaker, type, "
                    'start, "end", text, kw_text, vec, wvec, common) '
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                written = {s.id for s in segments}
                self._db.executemany(
                    "UPDATE segments SET wvec = ? WHERE id = ?",
                    [(_pack(w), sid) for sid, w in discussion.items() if sid not in written],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def search(self, terms: Sequence[str], filters: Mapping[str, Any], limit: int) -> list[str]:
        """Ids of rows matching any term, best BM25 first."""
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        cond, args = where_sql(filters)
        sql = (
            "SELECT s.id FROM segments_fts f JOIN segments s ON s.rowid = f.rowid "
            f"WHERE segments_fts MATCH ? AND {cond} ORDER BY f.rank LIMIT ?"
        )
        with self._lock:
            return [r[0] for r in self._db.execute(sql, [match, *args, limit])]

    def rows(self, ids: Sequence[str]) -> dict[str, Candidate]:
        """Candidate rows by id: COLUMNS plus the normalised text, boilerplate score and the
        discussion vector's bytes (``unpack`` them when needed)."""
        rows = self._by_id(ids, [*_quoted(COLUMNS), "kw_text", "common", "wvec"])
        return {cid: Candidate(*row) for cid, row in rows.items()}

    def term_stats(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """Number of segments, and in how many of them each term occurs."""
        with self._lock:
            if self._total is None:  # counted once per write, not per query
                self._total = self._db.execute("SELECT count(*) FROM segments").fetchone()[0]
            total = self._total
            if not terms:
                return total, {}
            rows = self._db.execute(
                f"SELECT term, doc FROM segments_vocab WHERE term IN "
                f"({','.join('?' * len(terms))})",
                list(terms),
            ).fetchall()
        return total, dict(rows)

    def get_meta(self, key: str, default: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def stream_window(
        self, session_id: str, rtstream_id: str, first: float, last: float, history: int
    ) -> list[tuple[Segment, Any, float]]:
        """A stream's stored segments from ``history`` rows before ``first`` to ``history``
        rows after ``last`` (start times), in stream order, each with its own vector (None
        if it has none stored) and its boilerplate score."""
        columns = ", ".join([*_quoted(COLUMNS), "vec", "common"])
        where = "session_id = ? AND rtstream_id = ?"
        with self._lock:
            lo = self._db.execute(
                f"SELECT start FROM segments WHERE {where} AND start < ? "
                "ORDER BY start DESC LIMIT 1 OFFSET ?",
                [session_id, rtstream_id, first, max(history - 1, 0)],
            ).fetchone()
            hi = self._db.execute(
                f"SELECT start FROM segments WHERE {where} AND start > ? "
                "ORDER BY start LIMIT 1 OFFSET ?",
                [session_id, rtstream_id, last, max(history - 1, 0)],
            ).fetchone()
            rows = self._db.execute(
                f"SELECT {columns} FROM segments WHERE {where} AND start >= ? AND start <= ? "
                'ORDER BY start, "end", id',
                [
                    session_id,
                    rtstream_id,
                    lo[0] if lo else float("-inf"),
                    hi[0] if hi else float("inf"),
                ],
            ).fetchall()
        return [
            (Segment(**dict(zip(COLUMNS, r[:-2], strict=True))), unpack(r[-2]), r[-1]) for r in rows
        ]

    def sample_vectors(self, count: int) -> tuple[list[str], list[Any]]:
        """Up to ``count`` stored (session id, own vector) pairs, picked at random."""
        with self._lock:
            rows = self._db.execute(  # pick rowids first: sorting rows would read every blob
                "SELECT session_id, vec FROM segments WHERE rowid IN (SELECT rowid FROM "
                "segments WHERE vec IS NOT NULL ORDER BY random() LIMIT ?)",
                [count],
            ).fetchall()
        return [r[0] for r in rows], [unpack(r[1]) for r in rows]

    def all_segments(self) -> list[Segment]:
        """Every stored segment (to rebuild the vector side of an older index)."""
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_quoted(COLUMNS))} FROM segments")
            return [Segment(**dict(zip(COLUMNS, r, strict=True))) for r in rows]

    def session_ids(self, session_id: str) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id FROM segments WHERE session_id = ?", [session_id])
            return [r[0] for r in rows]

    def delete_session(self, session_id: str) -> int:
        """Remove a session's rows and their FTS entries, leaving none of their text on disk."""
        with self._lock:
            self._total = None
            self._db.execute("BEGIN")
            cur = self._db.execute("DELETE FROM segments WHERE session_id = ?", [session_id])
            self._db.execute("COMMIT")
            if cur.rowcount:
                # Merge FTS segments so the deleted terms are really gone, then compact the
                # file and the WAL so no freed page still holds them.
                self._db.execute("INSERT INTO segments_fts(segments_fts) VALUES ('optimize')")
                self._db.execute("VACUUM")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return cur.rowcount

    def count(self, session_id: str | None = None) -> int:
        with self._lock:
            if session_id is None:
                return self._db.execute("SELECT count(*) FROM segments").fetchone()[0]
            return self._db.execute(
                "SELECT count(*) FROM segments WHERE session_id = ?", [session_id]
            ).fetchone()[0]


class Candidate(NamedTuple):
    """A stored segment as search scores it."""

    id: str
    session_id: str
    rtstream_id: str
    channel: str
    speaker: str
    type: str
    start: float
    end: float
    text: str
    kw_text: str
    common: float
    wvec: bytes | None


def _pack(vector: Any) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype=np.float16).tobytes()


def unpack(blob: bytes | None) -> Any:
    import numpy as np

    return None if blob is None else np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def _quoted(columns: Sequence[str]) -> list[str]:
    return [f'"{c}"' for c in columns]


def bm25_idf(total: int, df: int) -> float:
    """BM25's inverse document frequency (always positive)."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def coverage(terms: Sequence[str], idf: Mapping[str, float], kw_text_tokens: set[str]) -> float:
    """IDF-weighted share of the query terms present in a text (0..1)."""
    total = sum(idf.get(t, 0.0) for t in terms)
    if total <= 0:
        return 0.0
    return sum(idf.get(t, 0.0) for t in terms if t in kw_text_tokens) / total
