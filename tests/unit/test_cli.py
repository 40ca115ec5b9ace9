"""The `copilot` command: version, sessions, events, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import copilot
from copilot import __version__


def run(*args, home, env=None, check=True):
    return subprocess.run(
        [sys.executable, "-m", "copilot", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COPILOT_HOME": str(home), **(env or {})},
        check=check,
        timeout=60,
    )


def test_version(home):
    assert run("--version", home=home).stdout.strip() == f"copilot {__version__}"


def test_sessions_and_events(home):
    conn = copilot.connect(home=str(home), entrypoints=False)
    cap = conn.create_capture_session(end_user_id="user_abc")
    cap.emit({"type": "alert", "label": "sensitive_content", "confidence": 0.9})
    conn.close()
    out = run("sessions", home=home).stdout
    assert cap.id in out and "created" in out and "user_abc" in out
    rows = [json.loads(x) for x in run("sessions", "--json", home=home).stdout.splitlines()]
    assert [r["id"] for r in rows] == [cap.id]
    events = run("events", cap.id, "--json", home=home).stdout.splitlines()
    assert [json.loads(e)["seq"] for e in events] == [1, 2]
    assert json.loads(events[1])["label"] == "sensitive_content"
    since = run("events", cap.id, "--since", "1", home=home).stdout
    assert "sensitive_content" in since and "created" not in since


def test_events_follow_ends_with_the_session(home):
    conn = copilot.connect(home=str(home), entrypoints=False)
    cap = conn.create_capture_session()
    proc = subprocess.Popen(
        [sys.executable, "-m", "copilot", "events", cap.id, "--follow", "--json"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COPILOT_HOME": str(home)},
    )
    try:
        first = json.loads(proc.stdout.readline())
        assert first["status"] == "created"
        cap.emit({"type": "alert", "label": "live", "confidence": 0.5})
        assert json.loads(proc.stdout.readline())["label"] == "live"
        conn.runtime.call(conn.runtime.sessions.transition, cap.id, "failed")
        last = json.loads(proc.stdout.readline())
        assert last["status"] == "failed"
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        conn.close()


def test_errors_are_one_line(home):
    bad = run("events", "cap-missing", home=home, check=False)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "copilot: no capture session 'cap-missing'"
    cfg = run("sessions", home=home, env={"COPILOT_PLUGIN_TIMEOUT": "soon"}, check=False)
    assert cfg.returncode == 2 and len(cfg.stderr.strip().splitlines()) == 1
    assert "plugin_timeout" in cfg.stderr
