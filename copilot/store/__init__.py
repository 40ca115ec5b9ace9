"""Durable state in SQLite (WAL): the event log, sessions and their streams."""

from copilot.store.db import open_db
from copilot.store.eventlog import EventLog
from copilot.store.sessions import RTStreamRecord, SessionRecord, SessionStore

__all__ = ["EventLog", "RTStreamRecord", "SessionRecord", "SessionStore", "open_db"]
