"""`copilot mcp` driven by the MCP SDK's own client over stdio, on a replayed meeting."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.mcp.conftest import copilot_mcp_command, mcp_env, result
from tests.server.support import ServeProcess, make_api_key

pytestmark = pytest.mark.slow


def stdio(home, *args: str) -> Client:
    command, argv = copilot_mcp_command(*args)
    return Client(StdioServerParameters(command=command, args=argv, env=mcp_env(home)))


async def test_sessions_search_transcript_items_and_notes_over_stdio(replayed):
    home, session_id = replayed
    async with stdio(home) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert tools >= {"list_sessions", "read_transcript", "search", "live_tail"}
        assert tools >= {"list_action_items", "list_alerts"}

        sessions = result(await client.call_tool("list_sessions", {}))
        assert [s["id"] for s in sessions] == [session_id]
        assert sessions[0]["status"] == "stopped"
        assert sessions[0]["metadata"]["participants"] == ["Alex", "Priya", "Marcus"]

        hits = result(
            await client.call_tool("search", {"query": "revised budget", "session_id": session_id})
        )
        assert hits, "no hits"
        top = hits[0]
        assert "budget" in top["text"].lower()
        assert 0 <= top["start"] <= top["end"] <= 90
        assert Path(top["clip"]).is_file()  # the moment's audio, cut from the recording

        window = result(
            await client.call_tool(
                "read_transcript",
                {"session_id": session_id, "start": top["start"], "end": top["end"]},
            )
        )
        assert any("budget" in line["text"].lower() for line in window["lines"])
        everything = result(await client.call_tool("read_transcript", {"session_id": session_id}))
        assert everything["total"] > window["total"] >= 1
        starts = [line["start"] for line in everything["lines"]]
        assert starts == sorted(starts)
        # every far-end final names its voice: "them-N", or a participant once addressed
        far = [x for x in everything["lines"] if x["channel"] == "system_audio:file"]
        assert far and all(x["speaker"] == "them" for x in far)
        assert all(
            x["speaker_id"] in {"Priya", "Marcus"} or x["speaker_id"].startswith("them-")
            for x in far
        )
        mine = [x for x in everything["lines"] if x["channel"] == "mic:file"]
        assert mine and all(x["speaker"] == "me" and x["speaker_id"] is None for x in mine)

        items = result(await client.call_tool("list_action_items", {"session_id": session_id}))
        assert all(i["text"] and i["start"] is not None for i in items)

        tail = result(await client.call_tool("live_tail", {"session_id": session_id, "lines": 3}))
        assert tail["status"] == "stopped" and len(tail["transcript"]) == 3
        assert tail["next_since"] > 0

        uri = f"copilot://sessions/{session_id}/notes"
        notes = (await client.read_resource(uri)).contents[0].text
        assert notes.startswith(f"# Meeting notes — {session_id}") and "## Action items" in notes

        missing = await client.call_tool("list_alerts", {"session_id": "cap-nope"})
        assert missing.is_error and "cap-nope" in missing.content[0].text


async def test_the_same_tools_against_a_copilot_serve_backend(replayed):
    home, session_id = replayed
    key = make_api_key(home)
    with ServeProcess(home, COPILOT_PLUGINS="audio_sources,replay_search") as served:
        async with stdio(home, "--base-url", served.url, "--api-key", key) as client:
            sessions = result(await client.call_tool("list_sessions", {}))
            assert session_id in [s["id"] for s in sessions]
            hits = result(
                await client.call_tool(
                    "search", {"query": "revised budget", "session_id": session_id}
                )
            )
            assert "budget" in hits[0]["text"].lower() and hits[0]["end"] >= hits[0]["start"]
            lines = result(await client.call_tool("read_transcript", {"session_id": session_id}))
            assert lines["total"] > 3
