"""Durable state behind one interface (`Store`): SQLite by default, PostgreSQL for replicas."""

from copilot.store.base import Store
from copilot.store.eventlog import EventLog
from copilot.store.open import open_store
from copilot.store.records import RTStreamRecord, SessionRecord
from copilot.store.sessions import SessionStore

__all__ = ["EventLog", "RTStreamRecord", "SessionRecord", "SessionStore", "Store", "open_store"]
