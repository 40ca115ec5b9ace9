"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

`webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` where the secret
is `whsec_<base64 key>`. `verify` is what a receiver calls; it checks the timestamp tolerance
so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"


class WebhookVerificationError(Exception):
    """The request is not signed by the holder of the secret (or is too old)."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    payload = body.encode() if isinstance(body, str) else body
    to_sign = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
        "content-type": "application/json",
    }


def verify(secret: str, body: bytes | str, hdrs: Mapping[str, str], tolerance: float = 300) -> None:
    """Raise `WebhookVerificationError` unless `hdrs` carry a valid, fresh signature."""
    lower = {k.lower(): v for k, v in hdrs.items()}
    msg_id = lower.get("webhook-id")
    ts = lower.get("webhook-timestamp")
    sigs = lower.get("webhook-signature")
    if not (msg_id and ts and sigs):
        raise WebhookVerificationError("missing webhook-id/-timestamp/-signature headers")
    try:
        ts_int = int(ts)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    if abs(time.time() - ts_int) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    expected = sign(secret, msg_id, ts_int, body).split(",", 1)[1]
    for part in sigs.split():
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return
    raise WebhookVerificationError("no matching v1 signature")
