"""`copilot mcp`: serve meetings to MCP clients (stdio by default, or streamable HTTP).

Reads an embedded runtime in `$COPILOT_HOME`, or a `copilot serve` backend with --base-url
and --api-key (or COPILOT_BASE_URL / COPILOT_API_KEY). Over HTTP every request needs an API
key (`copilot keys create`): checked locally, or by the backend when there is one.
"""

from __future__ import annotations

import argparse
import os
import sys

from copilot.errors import CopilotError


def _connect(args: argparse.Namespace):
    import copilot

    base_url = args.base_url or os.environ.get("COPILOT_BASE_URL")
    if base_url:
        api_key = args.api_key or os.environ.get("COPILOT_API_KEY")
        if not api_key:
            raise CopilotError("--base-url needs --api-key (or COPILOT_API_KEY)")
        return copilot.connect(base_url=base_url, api_key=api_key), base_url.rstrip("/")
    return copilot.connect(), None


def cmd_mcp(args: argparse.Namespace) -> int:
    from copilot.mcp_server.meetings import Meetings
    from copilot.mcp_server.server import build_server

    conn, base_url = _connect(args)
    try:
        server = build_server(Meetings(conn))
        if not args.http:
            server.run("stdio")
            return 0
        import uvicorn

        from copilot.config import load_settings
        from copilot.mcp_server.http import ApiKeyGate, backend_key_check, local_key_check

        check = backend_key_check(base_url) if base_url else local_key_check(load_settings())
        app = ApiKeyGate(
            server.streamable_http_app(streamable_http_path=args.path, host=args.host), check
        )
        print(
            f"copilot mcp: streamable HTTP on http://{args.host}:{args.port}{args.path}"
            " (Authorization: Bearer <API key>)",
            file=sys.stderr,
            flush=True,
        )
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
        return 0
    finally:
        conn.close()


def add_parser(sub) -> None:
    p = sub.add_parser(
        "mcp",
        help="serve meetings to MCP clients (tools: sessions, transcript, search, …)",
        description="A Model Context Protocol server over this machine's meetings or a backend's.",
    )
    p.add_argument("--base-url", help="a `copilot serve` backend (default: embedded runtime)")
    p.add_argument("--api-key", help="the backend's API key (or COPILOT_API_KEY)")
    p.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback)")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    p.add_argument("--path", default="/mcp", help="HTTP endpoint path (default /mcp)")
    p.set_defaults(func=cmd_mcp)
