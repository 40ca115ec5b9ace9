"""The embedded store: one SQLite file (WAL) in `$COPILOT_HOME`, the default.

One connection, used by any thread under a lock; a transaction holds the lock and SQLite's
write lock (`BEGIN IMMEDIATE`) for its whole duration, so writers in this and other processes
on the same file take turns. The WAL is checkpointed on a thread of its own (checkpoint.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from copilot.events import EventTypes
from copilot.store.base import Store, Watcher
from copilot.store.checkpoint import Checkpointer
from copilot.store.db import open_db
from copilot.store.schema import migrate
from copilot.store.sql import NEXT_SEQ, SQLITE, Db, Result
from copilot.tokens import load_secret


class SqliteDb(Db):
    dialect = SQLITE

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self.conn = open_db(path, readonly=readonly)
        self._lock = threading.RLock()
        self._depth = 0

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        with self._lock:
            cur = self.conn.execute(sql, args)
            rows = cur.fetchall()
            return Result(rows, cur.rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self.conn.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    def append(self, session_id: str, rows: list[tuple], note: str) -> int:
        with self.transaction():
            last = self.execute(NEXT_SEQ, (session_id, len(rows))).fetchone()[0]
            first = last - len(rows) + 1
            self.executemany(
                "INSERT INTO events (capture_session_id, seq, id, type, rtstream_id, created_at,"
                " body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(session_id, first + i, *row) for i, row in enumerate(rows)],
            )
        return first

    def close(self) -> None:
        with self._lock:
            self.conn.close()


class DataVersionWatcher(Watcher):
    """SQLite tells no other process about a commit: poll its cheap `data_version`."""

    def __init__(self, db: SqliteDb, poll: float = 0.2) -> None:
        self.db = db
        self.poll = poll
        self.version = self._version()

    def _version(self) -> int:
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self._version() == self.version and time.monotonic() < deadline:
            time.sleep(self.poll)
        self.version = self._version()


class SqliteStore(Store):
    def __init__(
        self,
        path: Path | str,
        types: EventTypes | None = None,
        *,
        readonly: bool = False,
        node: str = "",
    ) -> None:
        path = Path(path)
        db = SqliteDb(path, readonly=readonly)
        self.url = f"sqlite:///{path}"
        self.checkpointer: Checkpointer | None = None
        if not readonly:
            migrate(db)
            db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it
            self.checkpointer = Checkpointer(path)
        on_commit = self.checkpointer.committed if self.checkpointer else None
        super().__init__(db, types, node=node, on_commit=on_commit)

    def token_secret(self, home: Path) -> bytes:
        return load_secret(home)  # a file next to the database, as it always was

    def watch(self) -> Watcher:
        return DataVersionWatcher(self.db)

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()
