"""The shared store: PostgreSQL through psycopg 3 and its connection pool.

Selected by `COPILOT_DATABASE_URL=postgresql://…` (or `database_url` in copilot.toml). Any
number of replicas use one database: the event log numbers each session's events under a
transaction-scoped advisory lock, and every commit NOTIFYs the others (`listen`). Migrations
run under a session advisory lock, so replicas that start together apply each one once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from copilot.errors import ConfigError
from copilot.events import EventTypes
from copilot.store.base import Listener, Notify, Store, Watcher
from copilot.store.eventlog import EVENTS_CHANNEL
from copilot.store.schema import migrate
from copilot.store.sql import NEXT_SEQ, POSTGRES, Db, Result

log = logging.getLogger("copilot.store")
MIGRATION_LOCK = 0x636F70696C6F74  # "copilot"
CONNECT_TIMEOUT = 10.0


@lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{parts.username + '@' if parts.username else ''}{host}" + (
        f":{parts.port}{parts.path}" if parts.port else parts.path
    )


class PgDb(Db):
    dialect = POSTGRES

    def __init__(self, url: str, *, max_size: int = 8) -> None:
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError:
            raise ConfigError(
                "database_url is a PostgreSQL URL but psycopg is not installed:"
                " pip install 'copilot[postgres]'"
            ) from None

        self.url = url
        self._local = threading.local()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True},
            name="copilot",
            open=False,
        )
        try:
            self.pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except (psycopg.Error, Exception) as exc:
            self.pool.close()
            raise ConfigError(f"cannot connect to the database {_redact(url)}: {exc}") from None

    def _run(self, conn, sql: str, args: Sequence[Any]) -> Result:
        cur = conn.execute(_pg(sql), args) if args else conn.execute(sql)
        rows = cur.fetchall() if cur.description else []
        return Result(rows, cur.rowcount)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Result:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return self._run(conn, sql, args)
        with self.pool.connection() as conn:
            return self._run(conn, sql, args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.cursor().executemany(_pg(sql), list(rows))
            return
        with self.pool.connection() as conn:
            conn.cursor().executemany(_pg(sql), list(rows))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        from psycopg.pq import TransactionStatus

        conn = getattr(self._local, "conn", None)
        if conn is not None:  # a connection this thread holds: join its transaction, or open one
            if conn.info.transaction_status != TransactionStatus.IDLE:
                yield
                return
            with conn.transaction():
                yield
            return
        with self.pool.connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def append(self, session_id: str, rows: list[tuple], note: str) -> int:
        # one statement, so one round trip and (outside a transaction) its own commit
        ids, types, streams, created, bodies = (list(col) for col in zip(*rows, strict=True))
        last = self.execute(
            f"WITH c AS ({NEXT_SEQ}), ins AS (INSERT INTO events (capture_session_id, seq, id,"
            " type, rtstream_id, created_at, body) SELECT ?, c.last_seq - ? + v.n, v.id, v.type,"
            " v.rts, v.created_at, v.body FROM c, unnest(?::text[], ?::text[], ?::text[],"
            " ?::float8[], ?::text[]) WITH ORDINALITY AS v(id, type, rts, created_at, body, n))"
            " SELECT c.last_seq, pg_notify(?, ? || ' ' || (c.last_seq - ? + 1) || ' ' ||"
            " c.last_seq) FROM c",
            (
                session_id,
                len(rows),
                session_id,
                len(rows),
                ids,
                types,
                streams,
                created,
                bodies,
                EVENTS_CHANNEL,
                note,
                len(rows),
            ),
        ).fetchone()[0]
        return last - len(rows) + 1

    def notify(self, channel: str, payload: str) -> None:
        self.execute("SELECT pg_notify(?, ?)", (channel, payload))

    def close(self) -> None:
        self.pool.close()


class PgListener(Listener):
    """LISTEN on a connection of its own, in a thread; reconnects (and says so) when the
    connection drops, because notifications sent meanwhile are lost to it."""

    def __init__(
        self, url: str, channels: list[str], callback: Notify, on_reconnect: Callable[[], None]
    ) -> None:
        self.url = url
        self.channels = channels
        self.callback = callback
        self.on_reconnect = on_reconnect
        self._closed = threading.Event()
        self._ready = threading.Event()
        self._conn = None
        self._thread = threading.Thread(target=self._run, name="copilot-listen", daemon=True)
        self._thread.start()
        self._ready.wait(CONNECT_TIMEOUT)

    def _connect(self):
        import psycopg

        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT))
        for ch in self.channels:
            conn.execute(f"LISTEN {ch}")
        return conn

    def _run(self) -> None:
        import psycopg

        first = True
        delay = 0.1
        while not self._closed.is_set():
            try:
                self._conn = self._connect()
                delay = 0.1
                if not first:
                    self.on_reconnect()
                first = False
                self._ready.set()
                while not self._closed.is_set():
                    # the timeout only lets close() be noticed; notifications arrive at once
                    for n in self._conn.notifies(timeout=1.0):
                        self._deliver(n.channel, n.payload)
            except psycopg.Error as exc:
                if self._closed.is_set():
                    break
                log.warning("database notifications lost (%s); reconnecting", exc)
                self._closed.wait(delay)
                delay = min(delay * 2, 5.0)
            finally:
                if self._conn is not None:
                    with contextlib.suppress(Exception):
                        self._conn.close()
                    self._conn = None

    def _deliver(self, channel: str, payload: str) -> None:
        try:
            self.callback(channel, payload)
        except Exception:
            log.exception("handling a %s notification failed", channel)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)


class NotifyWatcher(Watcher):
    def __init__(self, url: str) -> None:
        self._event = threading.Event()
        wake = self._event.set
        self._listener = PgListener(url, [EVENTS_CHANNEL], lambda c, p: wake(), wake)

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()

    def close(self) -> None:
        self._listener.close()


class PostgresStore(Store):
    shared = True

    def __init__(
        self,
        url: str,
        types: EventTypes | None = None,
        *,
        readonly: bool = False,
        node: str = "",
        pool_size: int = 8,
    ) -> None:
        self.url = url
        db = PgDb(url, max_size=pool_size)
        if not readonly:
            with db.pool.connection() as conn:  # one session holds the lock for the whole run
                conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
                try:
                    db._local.conn = conn
                    migrate(db)
                finally:
                    db._local.conn = None
                    conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        super().__init__(db, types, node=node)

    def token_secret(self, home: Path) -> bytes:
        import secrets

        return bytes.fromhex(self.config_value("token_secret", lambda: secrets.token_hex(32)))

    def listen(
        self, channels: list[str], callback: Notify, on_reconnect: Callable[[], None]
    ) -> Listener:
        return PgListener(self.url, channels, callback, on_reconnect)

    def watch(self) -> Watcher:
        return NotifyWatcher(self.url)
