"""Open the SQLite database with the pragmas the store relies on (the schema is migrated by
`copilot.store.schema`).

WAL + synchronous=NORMAL: a committed transaction survives a killed process (not a power
cut), and readers in other processes never block the writer.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from copilot.store.private import create_private, private_dir, private_file


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
    private_dir(path.parent)
    create_private(path)  # 0600 before SQLite writes to it: its -wal and -shm take its mode
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=5000")
    _set_wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    for suffix in ("-wal", "-shm"):  # left readable by an older version
        private_file(f"{path}{suffix}")
    return conn


def _set_wal(conn: sqlite3.Connection, wait: float = 5.0) -> None:
    """Switch to WAL, waiting like busy_timeout would: SQLite does not call its busy handler
    for a journal-mode change, so processes opening a new database together got "database is
    locked" at once."""
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
