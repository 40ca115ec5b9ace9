"""A home with the sample meeting replayed (real speech → transcripts, search index), and
helpers to read MCP tool results."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

import copilot
from tests.support.replay import replay_sample


@pytest.fixture(scope="session")
def replayed(tmp_path_factory):
    """(home, session id): the sample meeting replayed, transcribed, indexed and stopped."""
    home = tmp_path_factory.mktemp("mcp") / "home"
    conn = copilot.connect(home=str(home), drain_timeout=120)

    async def run():
        meta = {"participants": ["Alex", "Priya", "Marcus"]}
        return (await replay_sample(conn, end_user_id="alex", metadata=meta)).id

    try:
        session_id = asyncio.run(run())
        conn.search("warm the index up", limit=1)  # everything queued is indexed
    finally:
        conn.close()
    return home, session_id


def mcp_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    return {**env, "COPILOT_HOME": str(home), **extra}


def copilot_mcp_command(*args: str) -> tuple[str, list[str]]:
    return sys.executable, ["-m", "copilot", "mcp", *args]


def result(call) -> object:
    """A tool call's JSON result (structured when the SDK gives it, else the text)."""
    assert not call.is_error, call.content
    data = call.structured_content
    if data is not None:
        return data["result"] if set(data) == {"result"} else data
    return json.loads(call.content[0].text)
