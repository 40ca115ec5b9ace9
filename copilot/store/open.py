"""Pick the store from settings: `database_url` (env `COPILOT_DATABASE_URL`), else the SQLite
file `$COPILOT_HOME/copilot.db` that single-machine users have always had."""

from __future__ import annotations

from pathlib import Path

from copilot.errors import ConfigError
from copilot.events import EventTypes
from copilot.store.base import Store

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def sqlite_path(settings) -> Path:
    url = settings.database_url
    if url and url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :]).expanduser()
    return settings.home / "copilot.db"


def open_store(
    settings, types: EventTypes | None = None, *, readonly: bool = False, node: str = ""
) -> Store:
    """The runtime's store. `readonly` (SQLite: the file must exist) is for CLI readers."""
    url = settings.database_url
    if url and url.startswith(POSTGRES_SCHEMES):
        from copilot.store.postgres import PostgresStore

        return PostgresStore(url, types, readonly=readonly, node=node)
    if url and not url.startswith("sqlite:///"):
        raise ConfigError(
            f"database_url must start with postgresql:// or sqlite:///, got {url.split(':')[0]!r}"
        )
    from copilot.store.sqlite import SqliteStore

    return SqliteStore(sqlite_path(settings), types, readonly=readonly, node=node)
