"""Checkpoint the WAL on a thread of its own, so no commit on the loop pays for it.

SQLite's auto-checkpoint runs inside whichever commit crosses the threshold (≈ 10–20 ms for
a few MB): a latency spike on the event loop. The writer disables it and pokes this thread
every `every` commits; a PASSIVE checkpoint never blocks the writer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("copilot.store")


class Checkpointer:
    def __init__(self, path: Path, every: int = 2000) -> None:
        self.path = path
        self.every = every
        self.commits = 0
        self.runs = 0
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="copilot-checkpoint", daemon=True)
        self._thread.start()

    def committed(self, n: int = 1) -> None:
        """Called by the writer after each commit (cheap: a counter and, rarely, a set)."""
        self.commits += n
        if self.commits >= self.every:
            self.commits = 0
            self._wake.set()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._closed:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    self.runs += 1
                except sqlite3.Error as exc:
                    log.warning("WAL checkpoint failed: %s", exc)
        finally:
            conn.close()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._thread.join(5)
