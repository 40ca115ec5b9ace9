"""Errors users see: each carries a message that says what went wrong and what to do."""

from __future__ import annotations


class CopilotError(Exception):
    """Base class for every error copilot raises on purpose."""


class ConfigError(CopilotError, ValueError):
    """A configuration value is invalid; the message names the key."""


class IllegalTransition(CopilotError):
    """A capture session was asked to move to a state it cannot reach from where it is."""


class NotFound(CopilotError, LookupError):
    """A session, stream or channel id that does not exist."""


class NotEnabled(CopilotError):
    """A feature whose engine is not installed or not built yet (never a silent no-op)."""


class PermissionDenied(CopilotError, PermissionError):
    """A token that may not do this, or a capture device the system refuses."""


class InvalidEvent(CopilotError, ValueError):
    """An event that does not match its registered model."""


class Unavailable(CopilotError):
    """Not possible right now, but soon: e.g. another replica still holds the session's ingest
    lease (it expires within `lease_ttl` seconds). Retry."""
