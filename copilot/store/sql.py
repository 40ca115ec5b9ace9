"""One thin SQL layer under both stores, so every query is written once.

Queries use `?` placeholders and portable SQL (`ON CONFLICT`, `RETURNING`); a `Db` turns
them into its driver's form. The few things that differ are on the dialect: the database's
clock, row locks, per-key writer locks and notifications (Postgres only; SQLite's
`BEGIN IMMEDIATE` already serializes every writer, and it has no cross-process notify).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dialect:
    name: str
    now: str  # SQL expression: seconds since the epoch, on the database's clock
    for_update: str  # suffix that locks the selected rows until commit ("" in SQLite)
    skip_locked: str  # suffix that skips rows another transaction has locked
    greatest: str  # the two-argument maximum function


SQLITE = Dialect(
    "sqlite",
    now="((julianday('now') - 2440587.5) * 86400.0)",
    for_update="",
    skip_locked="",
    greatest="MAX",
)
POSTGRES = Dialect(
    "postgres",
    now="EXTRACT(EPOCH FROM clock_timestamp())::double precision",
    for_update=" FOR UPDATE",
    skip_locked=" FOR UPDATE SKIP LOCKED",
    greatest="GREATEST",
)


@dataclass
class Result:
    rows: list[tuple]
    rowcount: int

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows


# reserve `n` seqs of a session; returns the last one (the row lock serializes its writers)
NEXT_SEQ = (
    "INSERT INTO event_seqs (capture_session_id, last_seq) VALUES (?, ?)"
    " ON CONFLICT (capture_session_id) DO UPDATE SET"
    " last_seq = event_seqs.last_seq + excluded.last_seq RETURNING last_seq"
)


def marks(n: int) -> str:
    """`?, ?, …` for an IN list of `n` values."""
    return ", ".join("?" * n)


class Db(ABC):
    """A connection (or pool) with explicit transactions. Safe to call from any thread."""

    dialect: Dialect
    readonly = False

    @abstractmethod
    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """All statements in the block commit together or not at all (re-entrant)."""

    @abstractmethod
    def append(self, session_id: str, rows: list[tuple], note: str) -> int:
        """Number and insert one session's events — `rows` of (id, type, rtstream_id,
        created_at, body) — atomically, and return the first seq. The session's counter row
        serializes its writers; `note` goes to listeners at commit (Postgres)."""

    def notify(self, channel: str, payload: str) -> None:
        """Inside a transaction: tell listeners at commit (no-op where nothing listens)."""
        return

    @abstractmethod
    def close(self) -> None: ...
