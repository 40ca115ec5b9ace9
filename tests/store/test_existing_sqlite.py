"""A copilot.db written before the store had migrations keeps working, unchanged for its user."""

from __future__ import annotations

import json
import sqlite3

from copilot.events import AlertEvent
from copilot.store.schema import LATEST
from copilot.store.sqlite import SqliteStore

# the schema (and rows) copilot.db files have had since the first release
OLD = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE sessions (id TEXT PRIMARY KEY, status TEXT NOT NULL, end_user_id TEXT,
    callback_url TEXT, metadata TEXT NOT NULL DEFAULT '{}', channels TEXT NOT NULL DEFAULT '[]',
    primary_video_channel_id TEXT, reason TEXT, owner_pid INTEGER, created_at REAL NOT NULL,
    started_at REAL, updated_at REAL NOT NULL);
CREATE TABLE rtstreams (id TEXT PRIMARY KEY, capture_session_id TEXT NOT NULL,
    channel_id TEXT NOT NULL, category TEXT NOT NULL, name TEXT NOT NULL,
    created_at REAL NOT NULL);
CREATE TABLE events (capture_session_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,
    type TEXT NOT NULL, rtstream_id TEXT, created_at REAL NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (capture_session_id, seq)) WITHOUT ROWID;
CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, revoked_at REAL NOT NULL);
CREATE TABLE server_api_keys (id TEXT PRIMARY KEY, name TEXT, hint TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, revoked_at REAL);
INSERT INTO sessions VALUES ('cap-old', 'stopped', 'u', NULL, '{"k": 1}', '[]', NULL, NULL,
    NULL, 1.0, NULL, 2.0);
INSERT INTO server_api_keys VALUES ('key-1', 'b', 'cpk_…', 'abc', 1.0, NULL);
"""


def test_an_old_database_is_adopted_in_place(tmp_path):
    path = tmp_path / "copilot.db"
    conn = sqlite3.connect(path)
    conn.executescript(OLD)
    for seq in (1, 2, 3):
        body = AlertEvent(capture_session_id="cap-old", label=f"a{seq}", confidence=0.5, seq=seq)
        conn.execute(
            "INSERT INTO events VALUES ('cap-old', ?, ?, 'alert', NULL, 1.0, ?)",
            (seq, f"evt-{seq}", json.dumps({**body.model_dump(mode="json"), "id": f"evt-{seq}"})),
        )
    conn.commit()
    conn.close()

    store = SqliteStore(path)
    try:
        versions = store.db.execute("SELECT version FROM schema_migrations").fetchall()
        assert sorted(v for (v,) in versions) == list(range(1, LATEST + 1))
        assert store.sessions.get("cap-old").metadata == {"k": 1}
        assert [e.label for e in store.log.read("cap-old")] == ["a1", "a2", "a3"]
        assert store.log.last_seq("cap-old") == 3
        new = store.log.append(AlertEvent(capture_session_id="cap-old", label="a4", confidence=1))
        assert new.seq == 4  # numbering continues where the old log ended
        assert store.keys.by_hashes(["abc", "zz"]) == {"abc": ("key-1", None)}
    finally:
        store.close()
    again = SqliteStore(path)  # reopening applies nothing twice
    try:
        assert again.log.last_seq("cap-old") == 4
    finally:
        again.close()
