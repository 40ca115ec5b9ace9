"""Replay search through the public API, embedded and served: the sample meeting, really
transcribed and indexed, found by paraphrase and by exact words, hits with times that cut a
clip of what was said, and the export of the session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

import copilot
from copilot.search.hits import FIELDS, ReplayHit
from copilot.text.revisions import newest_finals

pytestmark = pytest.mark.slow
API_PROFILE = "full"
SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
REFERENCE = json.loads((SAMPLE / "reference.json").read_text())


def _ref(fragment):
    return next(u for u in REFERENCE["utterances"] if fragment in u["text"])


@pytest.fixture(scope="module")
def meeting(api):
    """The sample meeting transcribed and indexed, once per module and mode: the session."""

    async def run():
        conn = api.conn
        cap = conn.create_capture_session(metadata={"participants": ["Alex", "Priya", "Marcus"]})
        client = api.client(conn.generate_client_token(capture_session_id=cap.id))
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
        await client.shutdown()
        return cap

    return asyncio.run(run())


def test_paraphrase_and_exact_queries_find_the_right_moment(api, meeting):
    """Defect 3: served search gave hits as repr strings; now the same ReplayHit as embedded."""
    cap = meeting
    budget = _ref("revised budget")
    hits = cap.search("what did we say about money")
    assert hits and all(type(h) is ReplayHit for h in hits)
    top = hits[0]
    assert set(top.to_dict()) == set(FIELDS)
    assert "budget" in top.text.lower() or "marketing" in top.text.lower()
    assert budget["start"] - 1.5 <= top.start <= budget["end"]
    assert top.channel == "system_audio:file" and top.type == "transcript"
    assert top.session_id == cap.id and 0 < top.search_score <= 1
    exact = api.conn.search("crash rate is very low", limit=3)
    assert type(exact[0]) is ReplayHit and "crash rate is very low" in exact[0].text.lower()
    # the password said in the meeting is redacted at rest (the default): the search index
    # has the marker where it was, never the words
    said = api.conn.search("admin password for the test account", limit=5)
    assert said and not [h for h in said if "elephant" in h.text.lower()]
    assert any("[REDACTED:password]" in h.text for h in said), [h.text for h in said]
    mic = cap.get_rtstream("mic")[0]
    mic_hits = mic.search("design team review meeting")
    assert mic_hits and all(type(h) is ReplayHit and h.rtstream_id == mic.id for h in mic_hits)
    assert "design team" in mic_hits[0].text.lower()
    with pytest.raises(ValueError, match="non-empty query"):
        cap.search("   ")


def test_a_hit_becomes_a_clip_with_the_spoken_words(api, meeting, tmp_path):
    """Served, export_clip downloads the clip from the server's recording."""
    from copilot.audio.asr import FasterWhisperEngine
    from copilot.audio.decode import read_audio_file

    hit = meeting.search("revised budget by Friday")[0]
    clip = hit.export_clip(tmp_path / "clip", pad=1.0)
    assert clip.audio == tmp_path / "clip.wav" and clip.audio.exists()
    samples = read_audio_file(clip.audio)
    expected = (hit.end - hit.start) + 2.0
    assert abs(len(samples) / 16000 - expected) < 0.05
    assert clip.start == pytest.approx(hit.start - 1.0, abs=0.001)
    engine = FasterWhisperEngine()
    text = engine.transcribe(samples, partial=False).text.lower()
    assert "revised budget" in text and "friday" in text
    one = hit.export_clip(tmp_path / "mic-only", pad=1.0, channel="mic:file")
    mic_only = read_audio_file(one.audio)
    assert abs(len(mic_only) / 16000 - expected) < 0.05
    assert "budget" not in engine.transcribe(mic_only, partial=False).text.lower()
    with pytest.raises(ValueError, match="before its start"):
        meeting.search("revised budget")[0]._clips.export_clip(meeting.id, 5, 1, tmp_path / "x")


def test_export_writes_parseable_files_that_match_the_log(api, meeting, tmp_path):
    """Served, the export is written on the server and downloaded here."""
    import srt
    import webvtt

    cap = meeting
    out = cap.export(tmp_path / "export")
    assert out == tmp_path / "export" and cap.status == "exported"
    lines = (out / "events.jsonl").read_text().splitlines()
    finals = newest_finals(SimpleNamespace(**json.loads(x)) for x in lines)  # refined text wins
    rows = json.loads((out / "transcript.json").read_text())
    assert sorted(r["text"] for r in rows) == sorted(e.text for e in finals)
    assert len({r["utterance_id"] for r in rows}) == len(rows)
    subs = list(srt.parse((out / "transcript.srt").read_text()))
    assert len(subs) == len(rows)
    assert subs[0].start.total_seconds() == pytest.approx(rows[0]["start"], abs=0.002)
    captions = webvtt.read(str(out / "transcript.vtt"))
    assert len(captions) == len(rows) and captions[0].voice in ("me", "them")
    notes = (out / "notes.md").read_text()
    assert "## Action items" in notes and "revised budget" in notes and "Priya" in notes
    assert "password" in notes  # the alert, by kind — never the secret itself
    assert "purple elephant" not in notes
    for name in ("events.jsonl", "transcript.json", "transcript.srt", "transcript.vtt"):
        assert "elephant" not in (out / name).read_text().lower(), name  # redacted at rest
    assert sorted(p.name for p in (out / "audio").glob("*.flac")) == [
        "mic_file.flac",
        "system_audio_file.flac",
    ]
    first = (out / "transcript.json").read_text()
    again = cap.export(tmp_path / "export")  # idempotent: same files, status stays exported
    assert (again / "transcript.json").read_text() == first and cap.status == "exported"
