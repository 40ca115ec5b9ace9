"""The visual index event contract as the builtin plugins read it: a scene's end update
(revision 1) replaces its first event for search and raises no second alert; `ocr_text` is
searched, and so is `source_text` in events logged before `ocr_text` existed."""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

import copilot
from tests.support.display import replay_display

pytestmark = pytest.mark.slow

SCREEN = "Marketing Budget.xlsx\nChannel\tPlanned\nPaid ads\t$56,800\nAPI key: AKIA4XOG0OINDV1GMKWI"


async def test_an_end_update_replaces_the_scene_and_does_not_alert_again(home, tmp_path):
    Image.new("RGB", (64, 48), "white").save(tmp_path / "0000.png")
    conn = copilot.connect(home=str(home))
    try:
        cap, client = await replay_display(conn, tmp_path, stop_when_sources_end=False)
        scene = {
            "type": "index",
            "index_type": "visual",
            "text": "User is viewing a spreadsheet 'Marketing Budget.xlsx'",
            "ocr_text": SCREEN,
            "scene_id": "scn-1",
            "start": 4.0,
        }
        cap.emit({**scene, "end": 5.0})
        cap.emit({**scene, "end": 12.0, "revision": 1})
        cap.emit(
            {  # logged by an older version: the OCR text in source_text
                "type": "index",
                "index_type": "visual",
                "text": "User is looking at an error",
                "source_text": "ConnectionRefusedError: [Errno 111] Connection refused",
                "start": 12.0,
                "end": 20.0,
            }
        )
        await asyncio.sleep(0.3)
        hits = conn.search("paid ads", session_id=cap.id)
        old = conn.search("ConnectionRefusedError", session_id=cap.id)
        await client.stop_session()
        alerts = [e async for e in cap.events(types=["alert"])]
    finally:
        conn.close()
    visual = [h for h in hits if h.type == "visual_index" and h.start == 4.0]
    assert [(h.start, h.end) for h in visual] == [(4.0, 12.0)]  # one scene, its final end
    assert old and old[0].start == 12.0 and old[0].type == "visual_index"
    assert [(a.kind, a.start) for a in alerts if a.label == "sensitive_content"] == [
        ("api_key", 4.0)
    ]
