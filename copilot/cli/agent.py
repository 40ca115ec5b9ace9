"""`copilot agent run SCRIPT [ARGS…]`: run an agent script as if by `python SCRIPT ARGS…`.

Agents are plain scripts against the public API (see agents/); this only saves finding the
right interpreter. The script runs as `__main__` in this process, with `sys.argv` forwarded.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

from copilot.errors import CopilotError


def cmd_agent_run(args: argparse.Namespace) -> int:
    script = Path(args.script).expanduser()
    if not script.is_file():
        raise CopilotError(f"no agent script {str(script)!r}")
    argv = list(args.args)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [str(script), *argv]
    sys.path.insert(0, str(script.resolve().parent))  # as `python SCRIPT` would
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:  # argparse --help / errors, sys.exit(n) in the script
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0


def add_parsers(sub) -> None:
    s = sub.add_parser("agent", help="run agent scripts (see agents/)")
    agent_sub = s.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    r = agent_sub.add_parser("run", help="run SCRIPT with ARGS, like `python SCRIPT ARGS`")
    r.add_argument("script", help="path to the agent, e.g. agents/meeting_notes.py")
    r.add_argument("args", nargs=argparse.REMAINDER, help="passed to the script")
    r.set_defaults(func=cmd_agent_run)
