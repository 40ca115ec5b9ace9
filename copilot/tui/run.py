"""Entry points: `run_tui()` and the `copilot tui` parser (wired in by copilot/cli.py)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any


def run_tui(
    conn_factory: Callable[[], Any] | None = None,
    mode: str = "live",
    speed: str = "1",
    *,
    masked: bool = False,
) -> int:
    """Run the TUI on a new session: "live" (default devices) or "demo" (the sample meeting)."""
    if mode not in ("live", "demo"):
        raise ValueError(f"mode must be 'live' or 'demo', got {mode!r}")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network at import
    if conn_factory is None:
        import copilot

        conn_factory = copilot.connect
    from copilot.tui.app import CopilotApp
    from copilot.tui.session import Controller

    app = CopilotApp(Controller(conn_factory, mode, str(speed)), masked=masked)
    app.run()
    return app.return_code or 0


def cmd_tui(args: argparse.Namespace) -> int:
    return run_tui(mode="demo" if args.demo else "live", speed=args.speed)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "tui",
        help="watch, search and steer a live meeting in the terminal",
        description="Capture the default mic, system audio and primary display in a TUI.",
    )
    p.add_argument("--demo", action="store_true", help="replay the bundled sample meeting")
    p.add_argument("--speed", default="1", help="demo replay pace: 1 (real time) or max")
    p.set_defaults(func=cmd_tui)
