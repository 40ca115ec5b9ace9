"""Short, prefixed, random ids (`cap-…`, `rts-…`, `evt-…`) that say what they name."""

from __future__ import annotations

import secrets


def new_id(prefix: str, nbytes: int = 8) -> str:
    return f"{prefix}-{secrets.token_hex(nbytes)}"
