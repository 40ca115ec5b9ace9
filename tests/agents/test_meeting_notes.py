"""agents/meeting_notes.py on the sample meeting (real ASR, files at max speed): embedded, and
as a script against a backend served on 127.0.0.1 with an API key."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

import builtin_plugins.action_items as action_items_plugin
import builtin_plugins.transcript as transcript_plugin
import copilot
from agents import meeting_notes
from tests.agents.conftest import ROOT, child_env
from tests.server.conftest import run_backend

pytestmark = pytest.mark.slow

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
REFERENCE = json.loads((SAMPLE / "reference.json").read_text())
METADATA = {"participants": ["Alex", "Priya", "Marcus"], "user_name": "Alex"}


def section(markdown: str, title: str) -> list[str]:
    body = markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line.startswith("- ")]


def scripted_items_found(text: str) -> int:
    """How many scripted action items the notes hold, each once and with its owner."""
    items = section(text, "Action items")
    found = 0
    for ref in REFERENCE["action_items"]:
        key = " ".join(ref["text"].split()[:3])  # "send the revised", "book the review", …
        lines = [line for line in items if key in line]
        ok = len(lines) == 1 and f"**{ref['owner']}**" in lines[0]
        found += ok and (", due " in lines[0]) == bool(ref["due"])
    return found


def assert_notes_shape(text: str) -> None:
    assert "_status: final_" in text
    assert any("launch the new version" in line for line in section(text, "Decisions")), text
    questions = section(text, "Open questions")
    assert any("slides" in q for q in questions), text
    assert all(q.endswith("?") for q in questions)


async def test_live_notes_from_the_sample_meeting(home, tmp_path):
    out = tmp_path / "notes.md"
    channels = [
        meeting_notes.channel("mic", str(SAMPLE / "mic.ogg"), "max"),
        meeting_notes.channel("system_audio", str(SAMPLE / "system_audio.ogg"), "max"),
    ]
    snapshots: list[str] = []

    async def watch() -> None:  # what a reader of the file sees while the meeting runs
        while True:
            if out.exists():
                text = out.read_text()
                if not snapshots or snapshots[-1] != text:
                    snapshots.append(text)
            await asyncio.sleep(0.02)

    # The scripted action items are pinned to the live pass's text of the sample meeting: the
    # refine pass's base model hears "share the slides" as "share their sides" there (bench/
    # asr.py: refined WER 0.044 vs live 0.027 on this sample, made for tiny.en), and the
    # action-item plugin does not yet fold items of a revised utterance into the earlier ones.
    conn = copilot.connect(home=str(home), drain_timeout=120, asr_refine_model="off")
    watcher = asyncio.ensure_future(watch())
    try:
        notes = await meeting_notes.take_notes(conn, channels, out, METADATA)
    finally:
        watcher.cancel()
        conn.close()
    assert notes.status == "final"
    text = out.read_text()
    assert_notes_shape(text)
    assert scripted_items_found(text) == len(REFERENCE["action_items"]), text
    assert len(section(text, "Action items")) == len(REFERENCE["action_items"])
    live = [s for s in snapshots if "_status: live_" in s]
    assert any(section(s, "Action items") for s in live), "no action item before the stop"
    assert any(not section(s, "Action items") for s in live)  # it grew while the call ran


def test_notes_script_against_a_served_backend(home, tmp_path):
    plugins = [transcript_plugin, action_items_plugin]
    # refine off for the same reason as above (scripted items pinned to the live pass's text);
    # test_notes_follow_revisions covers what a refined transcript does to the notes
    with run_backend(home, plugins, drain_timeout=120, asr_refine_model="off") as backend:
        out = tmp_path / "notes.md"
        args = ["--speed", "max", "--out", str(out), "--base-url", backend.url]
        proc = subprocess.run(
            [sys.executable, str(ROOT / "agents" / "meeting_notes.py"), *args,
             "--api-key", backend.api_key],
            capture_output=True,
            text=True,
            timeout=300,
            env=child_env(tmp_path / "client-home"),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        with backend.remote() as remote:
            [cap] = remote.list_capture_sessions()
            logged, _ = cap.poll(types=["action_item"])
    text = out.read_text()
    assert cap.metadata["app"] == "meeting-notes" and cap.id in text
    assert_notes_shape(text)
    # the notes show exactly the server's action items, latest version of each
    latest = {e.item_id: e for e in logged}
    lines = section(text, "Action items")
    assert len(lines) == len(latest)
    for e in latest.values():
        owner = e.owner or "unassigned"
        assert any(e.text in line and f"**{owner}**" in line for line in lines), (e, lines)
    # streaming ASR under CPU contention can blur one utterance; the rest must be there
    assert scripted_items_found(text) >= len(REFERENCE["action_items"]) - 1, text


def test_notes_follow_revisions():
    """A refined transcript (same utterance_id, higher revision) replaces the decisions and
    questions its earlier text gave; a late older revision changes nothing."""
    from copilot.events import TranscriptEvent

    def final(text, revision, seq, utterance_id="u1"):
        return TranscriptEvent(
            capture_session_id="cap-1", text=text, is_final=True, utterance_id=utterance_id,
            revision=revision, seq=seq,
            start=40.0, end=44.0, speaker="me",
        )  # fmt: skip

    notes = meeting_notes.Notes("cap-1")
    assert notes.apply(
        final("Then we have decided to launch. Could someone share their sides?", 0, 1)
    )
    assert notes.apply(
        final("And we have decided to launch. Could someone share the slides?", 1, 2)
    )
    assert not notes.apply(final("Then we have decided to launch.", 0, 3))  # stale
    assert notes.apply(final("Where are we on the budget?", 0, 4, utterance_id="u2"))
    text = notes.markdown()
    assert section(text, "Decisions") == ["- [00:40] And we have decided to launch."]
    assert section(text, "Open questions") == [
        "- [00:40] me: Could someone share the slides?",
        "- [00:40] me: Where are we on the budget?",
    ]
