"""Short-lived client tokens: signed, expiring, scoped to capture (optionally one session).

The backend keeps the signing secret (`$COPILOT_HOME/secret.key`, mode 0600); a capture client
holds only a token. Format: `cct_<payload>.<signature>`, both base64url, HMAC-SHA256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from copilot.errors import PermissionDenied

PREFIX = "cct_"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret(home: Path) -> bytes:
    """Read the signing secret, creating it (0600) on first use."""
    from copilot.store.private import private_dir, private_file

    path = home / "secret.key"
    if not path.exists():
        private_dir(home)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    private_file(path)  # an older version's may have been left readable
    return bytes.fromhex(path.read_text().strip())


@dataclass(frozen=True)
class TokenClaims:
    jti: str
    scope: str
    exp: float
    session_id: str | None = None


class TokenSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())

    def issue(
        self, expires_in: float = 600, *, session_id: str | None = None, scope: str = "capture"
    ) -> str:
        if expires_in <= 0:
            raise ValueError("expires_in must be a positive number of seconds")
        claims = {
            "jti": secrets.token_hex(8),
            "scope": scope,
            "exp": time.time() + expires_in,
            "sid": session_id,
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{PREFIX}{payload}.{self._sign(payload)}"

    def verify(
        self, token: str, *, revoked: frozenset[str] | set[str] = frozenset()
    ) -> TokenClaims:
        """Return the claims, or raise `PermissionDenied` saying why the token is refused."""
        if not isinstance(token, str) or not token.startswith(PREFIX) or "." not in token:
            raise PermissionDenied("malformed client token")
        payload, sig = token[len(PREFIX) :].rsplit(".", 1)
        if not hmac.compare_digest(sig, self._sign(payload)):
            raise PermissionDenied(
                "client token signature is invalid (forged or from another home)"
            )
        try:
            data = json.loads(_unb64(payload))
            claims = TokenClaims(data["jti"], data["scope"], float(data["exp"]), data.get("sid"))
        except (ValueError, KeyError, TypeError):
            raise PermissionDenied("malformed client token") from None
        if claims.exp < time.time():
            raise PermissionDenied("client token has expired")
        if claims.jti in revoked:
            raise PermissionDenied("client token was revoked")
        return claims
