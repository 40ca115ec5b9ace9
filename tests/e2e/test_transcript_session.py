"""The live transcript through the public API: sample meeting files → transcript events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import copilot
from copilot.audio.wer import wer
from copilot.capture import CaptureClient
from copilot.text.revisions import newest_finals

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
REFERENCE = json.loads((SAMPLE / "reference.json").read_text())


@pytest.fixture
def conn(home):
    c = copilot.connect(home=str(home), drain_timeout=120)
    yield c
    c.close()


async def _run_sample(conn, channels, transcribe=True):
    cap = conn.create_capture_session(
        end_user_id="e2e",
        metadata={
            "participants": ["Alex", "Priya", "Marcus"],
            "user_name": "Alex",
            "meeting_date": "2026-11-23",  # a Monday
        },
    )
    client = CaptureClient(client_token=conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(
        capture_session_id=cap.id, channels=channels, stop_when_sources_end=True
    )
    for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
        if transcribe:
            rts.start_transcript()
    events = [ev async for ev in client.events()]
    return cap, events


@pytest.mark.slow
async def test_sample_meeting_transcribed_with_speakers_and_times(conn):
    cap, events = await _run_sample(
        conn,
        [
            {"channel_id": "mic:file", "path": str(SAMPLE / "mic.ogg"), "speed": "max"},
            {
                "channel_id": "system_audio:file",
                "path": str(SAMPLE / "system_audio.ogg"),
                "speed": "max",
            },
        ],
    )
    assert cap.status == "stopped"
    every_final = [e for e in events if e.type == "transcript" and e.is_final]
    finals = newest_finals(events)
    stopped = events[-1]
    assert stopped.status == "stopped"
    # finals (refined ones too) arrive before the session says it stopped: the flush
    # transcribed and refined the last words
    assert all(e.seq < stopped.seq for e in every_final)
    live = {e.utterance_id: e for e in every_final if e.revision == 0}
    assert len(live) == len(finals) and all(e.utterance_id for e in every_final)
    revised = [e for e in every_final if e.revision > 0]
    assert revised, "the refine pass revised some live text"
    for e in revised:
        first = live[e.utterance_id]
        assert e.revision == 1 and e.seq > first.seq and e.text != first.text
        assert (e.start, e.end, e.speaker) == (first.start, first.end, first.speaker)
    for channel, speaker in (("mic", "me"), ("system_audio", "them")):
        ref = [u for u in REFERENCE["utterances"] if u["channel"] == channel]
        got = [e for e in finals if e.channel == f"{channel}:file"]
        assert got and all(e.speaker == speaker for e in got)
        assert wer(" ".join(u["text"] for u in ref), " ".join(e.text for e in got)) <= 0.10
        # every final sits on the meeting timeline near a reference utterance
        for e in got:
            assert any(u["start"] - 1.0 <= e.start and e.end <= u["end"] + 1.5 for u in ref), e
        last_ref = ref[-1]["text"].split()[-1].strip(".!?").lower()
        assert last_ref in got[-1].text.lower()
    mic = cap.get_rtstream("mic")[0]
    assert [e.text for e in mic.get_transcript()] == [
        e.text for e in finals if e.rtstream_id == mic.id
    ]


@pytest.mark.slow
async def test_corrupt_file_ends_the_session_cleanly(conn, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 10)
    cap, events = await _run_sample(
        conn, [{"channel_id": "mic:file", "path": str(bad), "speed": "max"}], transcribe=False
    )
    failed = [e for e in events if e.type == "channel" and e.status == "failed"]
    assert failed and str(bad) in failed[0].reason
    assert cap.status == "stopped"


def test_missing_file_is_a_clear_cli_error(home, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "copilot", "run", "--mic", str(tmp_path / "nope.wav")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "does not exist" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_cli_run_prints_json_lines(home):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "copilot",
            "run",
            "--system-audio",
            str(SAMPLE / "system_audio.ogg"),
            "--speed",
            "max",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    events = [json.loads(x) for x in out.stdout.splitlines()]
    finals = [e for e in events if e["type"] == "transcript" and e["is_final"]]
    assert any("revised budget" in e["text"] for e in finals)
    assert events[-1]["status"] == "stopped"


@pytest.mark.slow
async def test_sample_meeting_insights_from_real_speech(conn):
    """Real ASR → builtin plugins: the scripted action items with owners/dates, one alert."""
    _, events = await _run_sample(
        conn,
        [
            {"channel_id": "mic:file", "path": str(SAMPLE / "mic.ogg"), "speed": "max"},
            {
                "channel_id": "system_audio:file",
                "path": str(SAMPLE / "system_audio.ogg"),
                "speed": "max",
            },
        ],
    )
    latest = {}
    for e in events:
        if e.type == "action_item":
            latest[e.item_id] = e
    items = {(e.owner, str(e.due) if e.due else None) for e in latest.values()}
    assert ("Priya", "2026-11-27") in items  # "by Friday"
    assert ("Marcus", "2026-11-25") in items  # "by Wednesday"
    assert sum(1 for e in latest.values() if e.owner == "Alex") == 2
    alerts = [e for e in events if e.type == "alert" and e.label == "sensitive_content"]
    assert [a.kind for a in alerts] == ["password"]
    assert alerts[0].confidence >= 0.7
    assert not [e for e in events if e.type == "plugin_error"]


def test_unknown_asr_model_is_a_clear_error(home):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "copilot",
            "run",
            "--mic",
            str(SAMPLE / "mic.ogg"),
            "--speed",
            "max",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COPILOT_ASR_MODEL": "large-v9"},
    )
    assert out.returncode == 2
    assert "large-v9" in out.stderr and "Tried" in out.stderr and "Traceback" not in out.stderr
