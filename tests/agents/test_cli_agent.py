"""`copilot agent run SCRIPT ARGS…` (copilot/cli/agent.py) runs a script as `__main__`."""

from __future__ import annotations

import argparse
import json
import sys

import pytest

from copilot.cli.agent import add_parsers
from copilot.errors import CopilotError
from tests.agents.conftest import ROOT


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="copilot")
    add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["agent", "run", *argv])
    return args.func(args)


def test_script_runs_as_main_with_its_arguments(tmp_path):
    out = tmp_path / "out.json"
    script = tmp_path / "agent.py"
    script.write_text(
        "import json, sys\n"
        "if __name__ == '__main__':\n"
        f"    open({str(out)!r}, 'w').write(json.dumps(sys.argv))\n"
        "    sys.exit(3 if '--fail' in sys.argv else 0)\n"
    )
    before = list(sys.argv)
    assert run(str(script), "--out", "x.md", "--speed", "max") == 0
    assert json.loads(out.read_text()) == [str(script), "--out", "x.md", "--speed", "max"]
    assert run(str(script), "--fail") == 3
    assert sys.argv == before


def test_agents_answer_help(capsys):
    for name in ("meeting_notes", "screen_helper"):
        assert run(str(ROOT / "agents" / f"{name}.py"), "--help") == 0
        assert "--" in capsys.readouterr().out


def test_missing_script_is_a_clear_error(tmp_path):
    with pytest.raises(CopilotError, match="no agent script"):
        run(str(tmp_path / "nope.py"))
