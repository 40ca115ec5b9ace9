"""Open the SQLite database with the pragmas and schema the store relies on.

WAL + synchronous=NORMAL: a committed transaction survives a killed process (not a power
cut), and readers in other processes never block the writer.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    end_user_id TEXT,
    callback_url TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    channels TEXT NOT NULL DEFAULT '[]',
    primary_video_channel_id TEXT,
    reason TEXT,
    owner_pid INTEGER,
    created_at REAL NOT NULL,
    started_at REAL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions (status, created_at);
CREATE TABLE IF NOT EXISTS rtstreams (
    id TEXT PRIMARY KEY,
    capture_session_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    category TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rtstreams_by_session ON rtstreams (capture_session_id);
CREATE TABLE IF NOT EXISTS events (
    capture_session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    rtstream_id TEXT,
    created_at REAL NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (capture_session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, revoked_at REAL NOT NULL);
"""


def open_db(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Connect in autocommit mode (transactions are explicit) with WAL and a busy timeout."""
    path = Path(path)
    if readonly:
        if not path.exists():
            raise FileNotFoundError(f"no copilot database at {path}")
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA busy_timeout=5000")
        return conn
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    return conn
