"""Who drives a capture session over ingest: token bindings and live owners.

A client token minted without a session (`generate_client_token(expires_in=600)`) binds to
the first session it starts: from then on it may attach to, stream to and read that session
only. The binding is a row in the runtime's store (`client_token_sessions`), so it holds
across a server restart and on every replica. A session whose capture client is connected
has a live owner; no other credential may attach to it until that connection is gone (the
owner itself may reconnect at any time: a network blip leaves a stale socket behind).
"""

from __future__ import annotations

from typing import Any

from copilot.errors import IllegalTransition, PermissionDenied
from copilot.tokens import TokenClaims


def owner_key(claims: TokenClaims | None, key_id: str | None) -> str:
    """The identity a live session is owned by: the token, or the API key."""
    return f"token:{claims.jti}" if claims is not None else f"key:{key_id}"


class Owners:
    """Bindings (in the database, on the runtime loop) and live owners (in memory, on the
    server loop) for one app."""

    def __init__(self, rt) -> None:
        self.rt = rt
        self.tokens = rt.store.tokens
        self._live: dict[str, tuple[str, Any]] = {}  # session id -> (owner key, connection)

    # -- bindings --
    async def bind(self, claims: TokenClaims | None, session_id: str) -> bool:
        """Before a token starts `session_id`: bind it (True if this call made the binding),
        or refuse if it is bound to another session."""
        if claims is None or claims.session_id is not None:
            return False  # an API key, or a token minted for one session: nothing to bind
        rt = self.rt
        before = await rt.acall_sync(self.tokens.bound, claims.jti)
        bound = await rt.acall_sync(self.tokens.bind, claims.jti, session_id)
        if bound != session_id:
            raise PermissionDenied(
                f"this client token already started capture session {bound}; mint a token per"
                " session (generate_client_token)"
            )
        return before is None

    async def unbind(self, claims: TokenClaims, session_id: str) -> None:
        await self.rt.acall_sync(self.tokens.unbind, claims.jti, session_id)

    async def may_use(self, claims: TokenClaims | None, session_id: str) -> bool:
        """Whether a credential may drive (or read) `session_id`: an API key, a token minted
        for it, or the unscoped token that started it."""
        if claims is None or claims.session_id == session_id:
            return True
        if claims.session_id is not None:
            return False
        bound = await self.rt.acall_sync(self.tokens.bound, claims.jti)
        return bound == session_id

    # -- live owners --
    def claim(self, session_id: str, key: str, conn: Any) -> Any:
        """Make `conn` the session's live connection; the connection it replaces (the same
        owner reconnecting), if any. Another owner's live connection is refused."""
        held = self._live.get(session_id)
        if held is not None and held[0] != key:
            raise IllegalTransition(
                f"capture session {session_id} is being streamed by another capture client;"
                " it can be attached to once that client is gone"
            )
        self._live[session_id] = (key, conn)
        return held[1] if held is not None and held[1] is not conn else None

    def release(self, session_id: str, conn: Any) -> None:
        held = self._live.get(session_id)
        if held is not None and held[1] is conn:
            del self._live[session_id]

    def is_live_conn(self, session_id: str, conn: Any) -> bool:
        held = self._live.get(session_id)
        return held is not None and held[1] is conn
