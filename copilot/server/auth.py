"""Who may call what: API keys (the backend) and client tokens (a capture client).

API keys are `cpk_…`, shown once and stored only as a SHA-256 hash in the runtime's store
(`server_api_keys`, shared by every replica on one database). Client tokens are the
runtime's signed `cct_…` tokens. A client token on a backend route is refused with 403; a bad
credential with 401 and the reason.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from fastapi import Request

from copilot.errors import PermissionDenied
from copilot.runtime.perturn import PerTurn
from copilot.tokens import PREFIX as TOKEN_PREFIX
from copilot.tokens import TokenClaims

KEY_PREFIX = "cpk_"


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
    """API keys over a store (the runtime's, or the CLI's own): hashing and the reasons."""

    def __init__(self, store) -> None:
        self.rows = store.keys

    def create(self, name: str | None = None) -> tuple[str, str]:
        """A new key: returns (key id, the key itself — shown once, never stored)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        kid = "key-" + secrets.token_hex(6)
        self.rows.add(kid, name, key[:8] + "…", _hash(key))
        return kid, key

    def list(self) -> list[dict]:
        return self.rows.list()

    def revoke(self, kid: str) -> bool:
        return self.rows.revoke(kid)

    def check(self, key: str) -> str:
        """The key id of a valid key, else `PermissionDenied` with the reason."""
        answer = self.check_many([key])[key]
        if isinstance(answer, PermissionDenied):
            raise answer
        return answer

    def check_many(self, keys: list[str]) -> dict[str, str | PermissionDenied]:
        """For each key its key id, or the `PermissionDenied` saying why not (one query)."""
        digests = {key: _hash(key) for key in keys}
        rows = self.rows.by_hashes(list(set(digests.values())))
        out: dict[str, str | PermissionDenied] = {}
        for key, digest in digests.items():
            row = rows.get(digest)
            if row is None:
                out[key] = PermissionDenied("unknown API key")
            elif row[1] is not None:
                out[key] = PermissionDenied("API key was revoked")
            else:
                out[key] = row[0]
        return out


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
        self.keys = ApiKeys(rt.store)
        # every request checks its key: the requests of one loop turn share one query
        self.key_checks = PerTurn(lambda: rt.loop, self.keys.check_many)

    async def identify(self, credential: str) -> Caller:
        rt = self.rt
        try:
            if credential.startswith(TOKEN_PREFIX):
                revoked = await rt.acall_sync(rt._revoked_jtis)
                return Caller("client", claims=rt.signer.verify(credential, revoked=revoked))
            if credential.startswith(KEY_PREFIX):
                answer = await rt.acall(self.key_checks.get, credential)
                if isinstance(answer, PermissionDenied):
                    raise answer
                return Caller("backend", key_id=answer)
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
