"""Display replays (a folder of timed images) through the runtime, offline OCR and a VLM."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PIL import Image, ImageDraw, ImageFont

import copilot
from tests.support.display import replay_display
from tests.support.openai_stub import ANSWER, Stub

pytestmark = pytest.mark.slow


def _slide(path, text):
    img = Image.new("RGB", (1280, 720), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 48) if _has_dejavu() else None
    ImageDraw.Draw(img).text((80, 300), text, fill="black", font=font)
    img.save(path)


def _has_dejavu() -> bool:
    try:
        ImageFont.truetype("DejaVuSans.ttf", 10)
    except OSError:
        return False
    return True


@pytest.fixture
def slides(tmp_path):
    folder = tmp_path / "slides"
    folder.mkdir()
    _slide(folder / "0000.0.png", "Agenda: quarterly budget review")
    _slide(folder / "0003.0.png", "Error: connection refused on port 5432")
    return folder


async def _index(conn, slides, **index_options):
    cap, client = await replay_display(conn, slides)
    cap.get_rtstream("display")[0].index_visuals(
        batch_config={"type": "time", "value": 1, "frame_count": 1}, **index_options
    )
    return [e async for e in client.events() if e.type == "index"]


async def test_replayed_slides_are_indexed_offline_at_their_times(home, slides):
    conn = copilot.connect(home=str(home), screen_fps=2)
    try:
        events = await _index(conn, slides)
    finally:
        conn.close()
    texts = [(e.start, e.ocr_text or "") for e in events]
    agenda = next(t for t in texts if "budget review" in t[1])
    error = next(t for t in texts if "connection refused" in t[1])
    assert agenda[0] < 1.0 and 2.5 <= error[0] <= 4.0
    assert all(e.engine == "ocr" for e in events)


async def test_vision_model_gets_the_frame_and_prompt(home, slides, stub):
    conn = copilot.connect(home=str(home), screen_fps=2, vision_api_base=stub)
    try:
        events = await _index(conn, slides, prompt="What is on screen?", model_name="openai/stub")
    finally:
        conn.close()
    assert events and all(e.text == ANSWER for e in events)
    assert all(e.engine.startswith("vlm:") for e in events)
    body = Stub.requests[0]["body"]
    parts = body["messages"][0]["content"]
    assert any(p["type"] == "text" and "What is on screen?" in p["text"] for p in parts)
    assert any(p["type"] == "image_url" for p in parts)


def test_cli_run_display_replay(home, slides):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "copilot",
            "run",
            "--display",
            str(slides),
            "--speed",
            "max",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    events = [json.loads(x) for x in out.stdout.splitlines()]
    index = [e for e in events if e["type"] == "index"]
    assert any("connection refused" in (e["ocr_text"] or "") for e in index)
    assert events[-1]["status"] == "stopped"


async def test_screen_text_is_searchable_and_recorded_with_times(home, slides):
    from copilot.recordings import keyframe_at

    conn = copilot.connect(home=str(home), screen_fps=2)
    try:
        events = await _index(conn, slides)
        sid = events[0].capture_session_id
        hits = conn.search("connection refused 5432", session_id=sid)
        assert hits and hits[0].type == "visual_index"
        assert 2.5 <= hits[0].start <= 4.0
        frames = sorted((home / "sessions" / sid / "screen").rglob("*.jpg"))
        assert len(frames) == 2  # one per changed slide, none for the static seconds
        shown = keyframe_at(home, sid, 3.5)
        assert shown is not None and shown.exists()
    finally:
        conn.close()
