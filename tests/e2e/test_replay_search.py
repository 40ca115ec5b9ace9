"""Replay search through the public API: real speech → Chroma on disk → hits with times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import copilot
from copilot.capture import CaptureClient

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
        cap = conn.create_capture_session(metadata={"participants": ["Alex", "Priya", "Marcus"]})
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(
            capture_session_id=cap.id,
            channels=[
                {"channel_id": "mic:file", "path": str(SAMPLE / "mic.ogg"), "speed": "max"},
                {
                    "channel_id": "system_audio:file",
                    "path": str(SAMPLE / "system_audio.ogg"),
                    "speed": "max",
                },
            ],
            stop_when_sources_end=True,
        )
        for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
            rts.start_transcript()
        [e async for e in client.events()]
        return cap

    cap = asyncio.run(run())
    yield conn, cap
    conn.close()


def test_paraphrase_and_exact_queries_find_the_right_moment(meeting):
    conn, cap = meeting
    budget = _ref("revised budget")
    hits = cap.search("what did we say about money")
    assert hits, "no hits"
    top = hits[0]
    assert "budget" in top.text.lower() or "marketing" in top.text.lower()
    assert budget["start"] - 1.5 <= top.start <= budget["end"]
    assert top.channel == "system_audio:file" and top.type == "transcript"
    assert 0 < top.search_score <= 1
    exact = conn.search("purple elephant river", limit=3)
    assert "purple elephant river" in exact[0].text.lower()
    mic = cap.get_rtstream("mic")[0]
    mic_hits = mic.search("design team review meeting")
    assert mic_hits and all(h.rtstream_id == mic.id for h in mic_hits)
    assert "design team" in mic_hits[0].text.lower()


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


def test_a_hit_becomes_a_clip_with_the_spoken_words(meeting, tmp_path, home):
    from copilot.audio.asr import FasterWhisperEngine
    from copilot.audio.decode import read_audio_file

    _, cap = meeting
    hit = cap.search("revised budget by Friday")[0]
    clip = hit.export_clip(tmp_path / "clip", pad=1.0)
    samples = read_audio_file(clip.audio)
    expected = (hit.end - hit.start) + 2.0
    assert abs(len(samples) / 16000 - expected) < 0.05
    text = FasterWhisperEngine().transcribe(samples, partial=False).text.lower()
    assert "revised budget" in text and "friday" in text
    one = hit.export_clip(tmp_path / "mic-only", pad=1.0, channel="mic:file")
    assert abs(len(read_audio_file(one.audio)) / 16000 - expected) < 0.05
    assert (
        "budget"
        not in FasterWhisperEngine()
        .transcribe(read_audio_file(one.audio), partial=False)
        .text.lower()
    )


def test_export_writes_parseable_files_that_match_the_log(meeting, tmp_path):
    import srt
    import webvtt

    _, cap = meeting
    out = cap.export(tmp_path / "export")
    assert cap.status == "exported"
    finals = [
        e
        for e in (json.loads(x) for x in (out / "events.jsonl").read_text().splitlines())
        if e["type"] == "transcript" and e["is_final"]
    ]
    rows = json.loads((out / "transcript.json").read_text())
    assert sorted(r["text"] for r in rows) == sorted(e["text"] for e in finals)
    subs = list(srt.parse((out / "transcript.srt").read_text()))
    assert len(subs) == len(rows)
    assert subs[0].start.total_seconds() == pytest.approx(rows[0]["start"], abs=0.002)
    captions = webvtt.read(str(out / "transcript.vtt"))
    assert len(captions) == len(rows) and captions[0].voice in ("me", "them")
    notes = (out / "notes.md").read_text()
    assert "## Action items" in notes and "revised budget" in notes and "Priya" in notes
    assert "password" in notes  # the alert, by kind — never the secret itself
    assert "purple elephant" not in notes
    assert sorted(p.name for p in (out / "audio").glob("*.flac")) == [
        "mic_file.flac",
        "system_audio_file.flac",
    ]
    first = (out / "transcript.json").read_text()
    again = cap.export(tmp_path / "export")  # idempotent: same files, status stays exported
    assert (again / "transcript.json").read_text() == first and cap.status == "exported"
