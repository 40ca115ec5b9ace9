"""Parameters the server checks before they reach the store or a page: a cursor or limit
SQLite (64-bit integers) cannot take, a negative limit (SQLite's "no limit") or a non-finite
time is a 400 with the reason, never a 500 — the same on every route and socket."""

from __future__ import annotations

import json
import math
from typing import Any

from copilot.server.auth import ApiError
from copilot.server.framing import MAX_CONTROL_BYTES

MAX_SEQ = 2**53  # far past any log, and exact in every JSON reader


def seq_value(raw: Any, name: str = "since") -> int:
    """A seq cursor: an integer 0..MAX_SEQ (query strings are parsed here)."""
    value = _int(raw)
    if value is None or not 0 <= value <= MAX_SEQ:
        raise ValueError(f"{name} must be an integer from 0 to {MAX_SEQ}, not {str(raw)[:40]!r}")
    return value


def limit_value(raw: Any, hi: int, name: str = "limit", lo: int = 1) -> int:
    value = _int(raw)
    if value is None or not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, not {str(raw)[:40]!r}")
    return value


def finite_value(raw: float | None, name: str) -> float | None:
    if raw is not None and not math.isfinite(raw):
        raise ValueError(f"{name} must be a finite number of seconds, not {raw}")
    return raw


def bool_value(raw: Any, name: str) -> bool:
    text = str(raw).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {str(raw)[:40]!r}")


def json_message(message: dict[str, Any]) -> Any:
    """A client's JSON text message on a socket (`receive()`'s dict): parsed, or an error
    the client can act on (binary, too big, not JSON, nested too deep)."""
    text = message.get("text")
    if text is None:
        raise ValueError("expected a JSON text message, got a binary one")
    if len(text) > MAX_CONTROL_BYTES:
        raise ApiError(413, f"message over the {MAX_CONTROL_BYTES}-byte limit", "ValueError")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError("the message is not valid JSON (or is nested too deeply)") from None


def _int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit() and len(raw) < 40:
        return int(raw)
    return None
