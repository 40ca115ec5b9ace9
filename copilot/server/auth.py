"""Who may call what: API keys (the backend) and client tokens (a capture client).

API keys are `cpk_…`, shown once and stored only as a SHA-256 hash in the runtime's database
(`server_api_keys`). Client tokens are the runtime's signed `cct_…` tokens. A client token on a
backend route is refused with 403; a bad credential with 401 and the reason.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from fastapi import Request

from copilot.errors import PermissionDenied
from copilot.tokens import PREFIX as TOKEN_PREFIX
from copilot.tokens import TokenClaims

KEY_PREFIX = "cpk_"
SCHEMA = """
CREATE TABLE IF NOT EXISTS server_api_keys (
    id TEXT PRIMARY KEY,
    name TEXT,
    hint TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    revoked_at REAL
);
"""


class ApiError(Exception):
    """An HTTP error with a JSON body `{"error": {"type", "message"}}`."""

    def __init__(self, status: int, message: str, type_: str = "PermissionDenied") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    """The API key table on a SQLite connection (the runtime's, or the CLI's own)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.executescript(SCHEMA)

    def create(self, name: str | None = None) -> tuple[str, str]:
        """A new key: returns (key id, the key itself — shown once, never stored)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        kid = "key-" + secrets.token_hex(6)
        self.conn.execute(
            "INSERT INTO server_api_keys (id, name, hint, hash, created_at) VALUES (?,?,?,?,?)",
            (kid, name, key[:8] + "…", _hash(key), time.time()),
        )
        return kid, key

    def list(self) -> list[dict]:
        rows = self.conn.execute(
            "SELECT id, name, hint, created_at, revoked_at FROM server_api_keys ORDER BY created_at"
        ).fetchall()
        cols = ("id", "name", "hint", "created_at", "revoked_at")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def revoke(self, kid: str) -> bool:
        cur = self.conn.execute(
            "UPDATE server_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (time.time(), kid),
        )
        return cur.rowcount > 0

    def check(self, key: str) -> str:
        """The key id of a valid key, else `PermissionDenied` with the reason."""
        row = self.conn.execute(
            "SELECT id, revoked_at FROM server_api_keys WHERE hash = ?", (_hash(key),)
        ).fetchone()
        if row is None:
            raise PermissionDenied("unknown API key")
        if row[1] is not None:
            raise PermissionDenied("API key was revoked")
        return row[0]


@dataclass(frozen=True)
class Caller:
    kind: str  # "backend" (API key) or "client" (client token)
    key_id: str | None = None
    claims: TokenClaims | None = None


def bearer(request_headers) -> str:
    value = request_headers.get("authorization") or ""
    scheme, _, cred = value.partition(" ")
    if scheme.lower() != "bearer" or not cred.strip():
        raise ApiError(401, "missing credentials: send 'Authorization: Bearer <key or token>'")
    return cred.strip()


class Authenticator:
    def __init__(self, rt) -> None:
        self.rt = rt
        self.keys: ApiKeys = rt.call(lambda: ApiKeys(rt.db))

    async def identify(self, credential: str) -> Caller:
        rt = self.rt
        try:
            if credential.startswith(TOKEN_PREFIX):
                revoked = await rt.acall_sync(rt._revoked_jtis)
                return Caller("client", claims=rt.signer.verify(credential, revoked=revoked))
            if credential.startswith(KEY_PREFIX):
                return Caller("backend", key_id=await rt.acall_sync(self.keys.check, credential))
        except PermissionDenied as exc:
            raise ApiError(401, str(exc)) from None
        raise ApiError(401, "credential is neither an API key (cpk_…) nor a client token (cct_…)")

    async def backend(self, headers) -> Caller:
        caller = await self.identify(bearer(headers))
        if caller.kind != "backend":
            raise ApiError(403, "client tokens can only capture; this operation needs an API key")
        return caller

    async def capture(self, headers, session_id: str | None) -> Caller:
        """An API key, or a client token valid for `session_id`."""
        caller = await self.identify(bearer(headers))
        claims = caller.claims
        if claims is not None:
            if claims.scope != "capture":
                raise ApiError(403, f"token scope {claims.scope!r} cannot capture")
            if session_id and claims.session_id not in (None, session_id):
                raise ApiError(
                    401, f"this client token is scoped to capture session {claims.session_id}"
                )
        return caller


async def require_backend(request: Request) -> Caller:
    """FastAPI dependency for backend routes."""
    return await request.app.state.auth.backend(request.headers)
