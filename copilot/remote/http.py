"""HTTP plumbing for the remote client: one httpx client, errors raised as copilot errors."""

from __future__ import annotations

from typing import Any, BinaryIO

import httpx

from copilot.server.wire import error_class


def ws_url(base_url: str, path: str) -> str:
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + path
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :] + path
    raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")


def raise_for(resp: httpx.Response) -> None:
    if resp.status_code < 400:
        return
    try:
        err = resp.json()["error"]
        name, message = err["type"], err["message"]
    except (ValueError, KeyError, TypeError):
        name, message = "CopilotError", f"HTTP {resp.status_code}: {resp.text[:200]}"
    raise error_class(name, resp.status_code)(message)


class Api:
    def __init__(self, base_url: str, credential: str, timeout: float = 60.0) -> None:
        ws_url(base_url, "")  # validates the scheme
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.client = httpx.Client(
            base_url=self.base_url,
            headers={"authorization": f"Bearer {credential}"},
            timeout=timeout,
        )

    def request(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.raw(method, path, **kw)
        return resp.json() if resp.status_code != 204 and resp.content else None

    def raw(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """The response itself (files: clips, keyframes, exports); errors raised as usual."""
        if "params" in kw:
            kw["params"] = {k: v for k, v in kw["params"].items() if v is not None}
        resp = self.client.request(method, path, **kw)
        raise_for(resp)
        return resp

    def download(self, path: str, into: BinaryIO) -> None:
        """Stream a file route's body into `into` (exports can be large)."""
        with self.client.stream("GET", path) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise_for(resp)
            for chunk in resp.iter_bytes():
                into.write(chunk)

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", path, params=clean)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body if body is not None else {})

    def close(self) -> None:
        self.client.close()
