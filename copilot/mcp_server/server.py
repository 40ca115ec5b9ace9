"""The MCP server: meetings as tools and resources, on the official `mcp` SDK (MCPServer).

Tools return JSON (times are seconds from the session's start); a bad argument or an
unknown session comes back as a tool error naming the problem, never a crash.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from copilot.errors import CopilotError
from copilot.mcp_server.meetings import Meetings

INSTRUCTIONS = (
    "Meetings captured by copilot: list sessions, read a transcript by time range, search what"
    " was said and shown (hits carry start/end seconds and clip files), list action items and"
    " alerts, follow an active session's live tail with its next_since cursor. Notes for a"
    " session are the resource copilot://sessions/{session_id}/notes."
)


def explained(error: type[Exception]) -> Callable[[Callable], Callable]:
    """Our errors reach the MCP client with their message (the SDK hides any other
    exception's text as a crash): an unknown session, a bad time range, a server refusal."""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except (CopilotError, ValueError) as exc:
                raise error(f"{type(exc).__name__}: {exc}") from exc

        return run

    return wrap


def build_server(meetings: Meetings) -> MCPServer:
    mcp = MCPServer("copilot", instructions=INSTRUCTIONS)

    def tool() -> Callable[[Callable], Callable]:
        return lambda fn: mcp.tool()(explained(ToolError)(fn))

    @tool()
    def list_sessions(status: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Capture sessions, newest first: id, status, times, metadata (participants) and
        channels. `status` filters: created, active, stopped, exported, failed…"""
        return meetings.sessions(status=status, limit=limit)

    @tool()
    def read_transcript(
        session_id: str, start: float | None = None, end: float | None = None, limit: int = 500
    ) -> dict[str, Any]:
        """The final transcript of a session (all audio channels, in time order), optionally
        only between `start` and `end` seconds. Each line has start, end, channel, speaker
        ("me"/"them"), speaker_id (a voice, e.g. "them-1" or a name) and text."""
        return meetings.transcript(session_id, start=start, end=end, limit=limit)

    @tool()
    def search(
        query: str, session_id: str | None = None, limit: int = 10, clips: bool = True
    ) -> list[dict[str, Any]]:
        """Search what was said (transcripts) and shown (screen text and descriptions), by
        meaning and by exact words, in one session or all. Hits carry start/end seconds,
        the channel and, with `clips`, an audio clip file (plus the keyframe on screen)."""
        return meetings.search(query, session_id=session_id, limit=limit, clips=clips)

    @tool()
    def list_action_items(session_id: str) -> list[dict[str, Any]]:
        """Action items found in a session: text, owner, due date, when it was said."""
        return meetings.action_items(session_id)

    @tool()
    def list_alerts(session_id: str) -> list[dict[str, Any]]:
        """Alerts raised in a session (sensitive content, custom rules), with times."""
        return meetings.alerts(session_id)

    @tool()
    def live_tail(
        session_id: str, since: int = 0, wait_seconds: float = 0.0, lines: int = 20
    ) -> dict[str, Any]:
        """The latest of an active session: final transcript lines and insights after the
        cursor `since` (pass the returned next_since to continue); waits up to
        `wait_seconds` (at most 60) for something new."""
        return meetings.live_tail(session_id, since=since, wait_seconds=wait_seconds, lines=lines)

    @mcp.resource("copilot://sessions", mime_type="application/json")
    @explained(ResourceError)
    def sessions_index() -> str:
        """Recent sessions (see list_sessions)."""
        return json.dumps(meetings.sessions(limit=50))

    @mcp.resource("copilot://sessions/{session_id}/notes", mime_type="text/markdown")
    @explained(ResourceError)
    def session_notes(session_id: str) -> str:
        """A session's notes: summary, decisions, action items and alerts, with times."""
        return meetings.notes(session_id)

    return mcp
