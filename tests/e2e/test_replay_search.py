"""Replay search from the command line: results survive a restart, and deleting a session
leaves nothing of it on disk (the public-API search tests, embedded and served, are in
tests/api/test_search.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import copilot
from tests.support.replay import replay_sample

pytestmark = pytest.mark.slow
SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
REFERENCE = json.loads((SAMPLE / "reference.json").read_text())


def _ref(fragment):
    return next(u for u in REFERENCE["utterances"] if fragment in u["text"])


@pytest.fixture
def meeting(home):
    """The sample meeting transcribed and indexed; yields (conn, cap)."""
    import asyncio

    conn = copilot.connect(home=str(home), drain_timeout=120)

    async def run():
        meta = {"participants": ["Alex", "Priya", "Marcus"]}
        return await replay_sample(conn, metadata=meta)

    cap = asyncio.run(run())
    yield conn, cap
    conn.close()


def test_results_survive_a_restart_and_delete_leaves_nothing(meeting, home):
    conn, cap = meeting
    conn.close()
    env = {**os.environ, "COPILOT_HOME": str(home)}
    run = [sys.executable, "-m", "copilot"]
    out = subprocess.run(
        [*run, "search", "release notes by Wednesday", "--json", "--limit", "3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=True,
    )
    hits = [json.loads(x) for x in out.stdout.splitlines()]
    assert hits and hits[0]["session_id"] == cap.id and "release note" in hits[0]["text"]
    subprocess.run([*run, "sessions", "delete", cap.id], env=env, timeout=180, check=True)
    out = subprocess.run(
        [*run, "search", "release notes by Wednesday", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=True,
    )
    assert out.stdout.strip() == ""
    listed = subprocess.run(
        [*run, "sessions", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert cap.id not in listed.stdout
    leftovers = [p for p in Path(home).rglob("*") if p.is_file() and cap.id in p.name]
    assert leftovers == []
    blob = b"".join(p.read_bytes() for p in (Path(home) / "search").rglob("*") if p.is_file())
    assert b"release note" not in blob and b"purple elephant" not in blob
