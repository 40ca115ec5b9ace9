"""Credentials in the store: API key rows (hashes only), revoked client tokens, and shared
secrets (`webhook_config`), so every replica on one database accepts the same credentials."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from copilot.store.sql import Db, marks

_KEY_COLS = ("id", "name", "hint", "created_at", "revoked_at")


class KeyStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    def add(self, kid: str, name: str | None, hint: str, digest: str) -> None:
        self.db.execute(
            "INSERT INTO server_api_keys (id, name, hint, hash, created_at) VALUES (?,?,?,?,?)",
            (kid, name, hint, digest, time.time()),
        )

    def list(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            f"SELECT {', '.join(_KEY_COLS)} FROM server_api_keys ORDER BY created_at"
        ).fetchall()
        return [dict(zip(_KEY_COLS, r, strict=True)) for r in rows]

    def revoke(self, kid: str) -> bool:
        res = self.db.execute(
            "UPDATE server_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (time.time(), kid),
        )
        return res.rowcount > 0

    def by_hashes(self, digests: list[str]) -> dict[str, tuple[str, float | None]]:
        """(key id, revoked_at) of each key with one of these hashes (one query)."""
        if not digests:
            return {}
        where = f"hash IN ({marks(len(digests))})"
        sql = f"SELECT hash, id, revoked_at FROM server_api_keys WHERE {where}"
        rows = self.db.execute(sql, digests).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}


class TokenStore:
    """Revoked client-token ids (`jti`), and unscoped tokens bound to the session they
    started (`copilot.server.owners`)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def revoke(self, jti: str) -> None:
        self.db.execute(
            "INSERT INTO revoked_tokens (jti, revoked_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (jti, time.time()),
        )

    def revoked(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT jti FROM revoked_tokens").fetchall()}

    def bind(self, jti: str, session_id: str) -> str:
        """Bind `jti` to `session_id` unless it is bound already; the session it is bound to."""
        self.db.execute(
            "INSERT INTO client_token_sessions (jti, capture_session_id, bound_at)"
            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (jti, session_id, time.time()),
        )
        return self.bound(jti) or session_id

    def unbind(self, jti: str, session_id: str) -> None:
        self.db.execute(
            "DELETE FROM client_token_sessions WHERE jti = ? AND capture_session_id = ?",
            (jti, session_id),
        )

    def bound(self, jti: str) -> str | None:
        row = self.db.execute(
            "SELECT capture_session_id FROM client_token_sessions WHERE jti = ?", (jti,)
        ).fetchone()
        return row[0] if row else None


def config_value(db: Db, key: str, make: Callable[[], str]) -> str:
    """A value in `webhook_config`, created once: concurrent first callers agree on one."""
    select = "SELECT value FROM webhook_config WHERE key = ?"
    row = db.execute(select, (key,)).fetchone()
    if row is None:
        db.execute(
            "INSERT INTO webhook_config (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (key, make()),
        )
        row = db.execute(select, (key,)).fetchone()
    return row[0]
