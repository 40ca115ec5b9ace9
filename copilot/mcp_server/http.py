"""The streamable HTTP transport behind an API key (`Authorization: Bearer cpk_…`).

Keys are the server-mode keys (`copilot keys create`): checked in `$COPILOT_HOME` for an
embedded runtime, or by the `copilot serve` backend itself when the MCP server reads one.
A valid key is remembered for a minute, so a busy client costs no lookup per request.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable

import anyio.to_thread

from copilot.errors import PermissionDenied

REMEMBER_S = 60.0


def local_key_check(settings) -> Callable[[str], None]:
    """Keys of the runtime's own store (`copilot keys create` on this machine)."""

    def check(key: str) -> None:
        from copilot.server.auth import ApiKeys
        from copilot.store import open_store

        try:
            store = open_store(settings, readonly=True)
        except Exception as exc:  # e.g. no database yet: nothing can be a valid key
            raise PermissionDenied(f"no API keys here yet ({exc}): `copilot keys create`") from exc
        try:
            ApiKeys(store).check(key)
        finally:
            store.close()

    return check


def backend_key_check(base_url: str) -> Callable[[str], None]:
    def check(key: str) -> None:
        import httpx

        resp = httpx.get(
            f"{base_url}/v1/stats", headers={"authorization": f"Bearer {key}"}, timeout=10
        )
        if resp.status_code in (401, 403):
            raise PermissionDenied(f"the backend refused the key ({resp.status_code})")
        resp.raise_for_status()

    return check


class ApiKeyGate:
    """ASGI middleware: HTTP requests without a valid key get 401 and reach nothing."""

    def __init__(self, app, check: Callable[[str], None]) -> None:
        self.app = app
        self.check = check
        self._valid: dict[str, float] = {}  # sha256 of a key -> when it was last checked

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            refusal = await self._refusal(dict(scope["headers"]).get(b"authorization", b""))
            if refusal is not None:
                await _reply_401(send, refusal)
                return
        await self.app(scope, receive, send)

    async def _refusal(self, header: bytes) -> str | None:
        scheme, _, key = header.decode("latin-1").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return "missing credentials: send 'Authorization: Bearer <API key>'"
        digest = hashlib.sha256(key.encode()).hexdigest()
        if time.monotonic() - self._valid.get(digest, -REMEMBER_S) < REMEMBER_S:
            return None
        try:
            await anyio.to_thread.run_sync(self.check, key)
        except PermissionDenied as exc:
            self._valid.pop(digest, None)
            return str(exc)
        self._valid[digest] = time.monotonic()
        return None


async def _reply_401(send, message: str) -> None:
    body = json.dumps({"error": {"type": "PermissionDenied", "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b"Bearer"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
