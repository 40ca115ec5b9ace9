"""Live events over the server's `/ws`, resuming from the last seq after a dropped socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable

import websockets

from copilot.events import EventTypes
from copilot.remote.http import ws_url
from copilot.server.wire import error_class

_TYPES = EventTypes()


def parse_event(data: dict, types: EventTypes = _TYPES):
    return types.load(data)


def register_local_type(model) -> None:
    """Parse (and validate before emitting) this type with its own model in this process."""
    _TYPES.register(model)


def validate_local(event) -> None:
    """Check an event against the models known here; unknown types are the server's call."""
    data = event if isinstance(event, dict) else event.model_dump()
    if _TYPES.model_for(data.get("type", "")) is not None:
        _TYPES.validate(data)


async def iter_remote_events(
    base_url: str,
    credential: str,
    session_id: str,
    *,
    since: int = 0,
    types: Iterable[str] | None = None,
    until_end: bool = True,
    retries: int = 20,
) -> AsyncIterator:
    """Events after `since`, then live; reconnects (with the last seq seen) on network errors."""
    last = since
    failures = 0
    query = f"?capture_session_id={session_id}&until_end={'true' if until_end else 'false'}"
    if types is not None:
        query += "&types=" + ",".join(types)
    headers = {"authorization": f"Bearer {credential}"}
    while True:
        url = ws_url(base_url, "/ws") + query + f"&since={last}"
        try:
            async with websockets.connect(
                url, additional_headers=headers, max_size=16 * 1024 * 1024
            ) as sock:
                async for raw in sock:
                    msg = json.loads(raw)
                    if "op" in msg:
                        if msg["op"] == "end":
                            return
                        if msg["op"] == "error":
                            raise error_class(msg.get("type", ""), msg["status"])(msg["message"])
                        continue
                    failures = 0
                    ev = parse_event(msg)
                    last = max(last, ev.seq)
                    yield ev
            return
        except (OSError, websockets.ConnectionClosedError, websockets.InvalidHandshake):
            failures += 1
            if failures > retries:
                raise
            await asyncio.sleep(min(2.0, 0.05 * 2**failures))
