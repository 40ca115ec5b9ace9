"""Request bodies are limited by the bytes actually read, not by what Content-Length says: a
chunked body has none, and a lying one is no way around it. ASGI middleware, so the limit
holds before any route sees the body."""

from __future__ import annotations

from starlette.exceptions import HTTPException

from copilot.server.wire import error_response


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the {limit}-byte limit")


class BodyLimit:
    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await _refuse(send, limit)
                return
        read = 0

        async def counted():
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise BodyTooLarge(limit)  # FastAPI answers it like any HTTPException
            return message

        await self.app(scope, counted, send)


async def _refuse(send, limit: int) -> None:
    response = error_response(413, "ValueError", f"request body over the {limit}-byte limit")
    await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})
