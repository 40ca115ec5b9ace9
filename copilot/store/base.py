"""The store interface: everything durable a runtime keeps, whatever the database.

A `Store` is a set of facets over one `Db`: `log` (the event log with its per-session,
gap-free seq), `sessions` (sessions and RTStreams), `keys` (API keys), `tokens` (revoked
client tokens), `outbox` (webhook outbox and attempts), `leases` (who owns a live session's
ingest) and `features` (what was started on a live session). `SqliteStore` is the embedded
default (one file in `$COPILOT_HOME`); `PostgresStore` lets several replicas share one
database (`shared` is True) and tells them about each other's writes with LISTEN/NOTIFY.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from copilot.events import EventTypes
from copilot.store.eventlog import EventLog
from copilot.store.keys import KeyStore, TokenStore, config_value
from copilot.store.leases import FeatureStore, LeaseStore
from copilot.store.outbox import OutboxStore
from copilot.store.sessions import SessionStore
from copilot.store.sql import Db

Notify = Callable[[str, str], None]  # (channel, payload)


class Listener:
    """A running subscription to the store's notifications (`Store.listen`)."""

    def close(self) -> None: ...


class Watcher:
    """Blocks until the store may have changed (`Store.watch`; for readers in other
    processes, such as `copilot events --follow`)."""

    def wait(self, timeout: float) -> None: ...

    def close(self) -> None: ...


class Store:
    shared = False  # True: other processes/machines write the same database (replicas)
    url = ""

    def __init__(
        self,
        db: Db,
        types: EventTypes | None = None,
        *,
        node: str = "",
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.node = node
        self.log = EventLog(db, types or EventTypes(), on_commit, node)
        self.sessions = SessionStore(db)
        self.keys = KeyStore(db)
        self.tokens = TokenStore(db)
        self.outbox = OutboxStore(db)
        self.leases = LeaseStore(db)
        self.features = FeatureStore(db)

    def config_value(self, key: str, make: Callable[[], str]) -> str:
        """A named secret or setting kept once for every process on this store."""
        return config_value(self.db, key, make)

    def token_secret(self, home: Path) -> bytes:
        """The client-token signing key (every replica must sign and verify alike)."""
        raise NotImplementedError

    def listen(
        self, channels: list[str], callback: Notify, on_reconnect: Callable[[], None]
    ) -> Listener | None:
        """Call `callback` (from a thread of the store's) for each notification on
        `channels`; None where the store has no notifications (SQLite)."""
        return None

    def watch(self) -> Watcher:
        raise NotImplementedError

    def close(self) -> None:
        self.db.close()
