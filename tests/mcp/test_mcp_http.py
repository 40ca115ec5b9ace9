"""`copilot mcp --http`: the streamable HTTP transport answers only with an API key."""

from __future__ import annotations

import subprocess
import time

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.mcp.conftest import copilot_mcp_command, mcp_env, result
from tests.server.support import free_port, make_api_key


@pytest.fixture
def mcp_http(home):
    home.mkdir(parents=True, exist_ok=True)
    key = make_api_key(home)
    port = free_port()
    command, argv = copilot_mcp_command("--http", "--port", str(port))
    proc = subprocess.Popen([command, *argv], env=mcp_env(home), stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.post(url, timeout=0.5)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "no MCP server"
                time.sleep(0.1)
        yield url, key
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_request_without_the_key_is_refused(mcp_http):
    url, _ = mcp_http
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    accept = {"accept": "application/json, text/event-stream"}
    bare = httpx.post(url, json=hello, headers=accept, timeout=10)
    assert bare.status_code == 401 and "Authorization: Bearer" in bare.json()["error"]["message"]
    wrong = httpx.post(url, json=hello, headers={**accept, "authorization": "Bearer cpk_no"})
    assert wrong.status_code == 401 and "unknown API key" in wrong.json()["error"]["message"]


async def test_the_sdk_client_with_the_key_gets_the_tools(mcp_http):
    url, key = mcp_http
    http = httpx2.AsyncClient(headers={"authorization": f"Bearer {key}"}, timeout=30)
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert "search" in tools
        assert result(await client.call_tool("list_sessions", {})) == []
