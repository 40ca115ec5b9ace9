"""Screen capture through the public API on a real X server: changes → visual index events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import copilot
from copilot.capture import CaptureClient

pytestmark = pytest.mark.slow


async def _wait_for(events, pred, timeout=20.0):
    end = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < end:
        hit = next((e for e in events if pred(e)), None)
        if hit is not None:
            return hit
        await asyncio.sleep(0.1)
    raise AssertionError(f"no matching event in {[getattr(e, 'text', e.type) for e in events]}")


async def test_display_changes_become_visual_index_events(xvfb, tk_window, home):
    win = tk_window(
        title="Q3 Budget - LibreOffice Calc", app="libreoffice-calc", text="Revenue 1.2M Costs 800K"
    )
    conn = copilot.connect(home=str(home), screen_fps=4)
    try:
        client = CaptureClient(client_token=conn.generate_client_token())
        assert (await client.request_permission("screen")).granted
        channels = await client.list_channels()
        assert channels.displays.primary.id == "display:1"
        assert channels.displays.primary.details["width"] == 1920
        cap = conn.create_capture_session()
        await client.start_session(
            capture_session_id=cap.id, channels=["display:1"], primary_video_channel_id="display:1"
        )
        screen = cap.get_rtstream("screen")[0]
        run = screen.index_visuals(
            prompt="Describe what the user is doing",
            batch_config={"type": "time", "value": 1, "frame_count": 1},
        )
        seen = []

        async def read():
            async for ev in cap.events(types=["index"]):
                seen.append(ev)

        reader = asyncio.create_task(read())
        first = await _wait_for(seen, lambda e: "Revenue" in (e.ocr_text or ""), 30)
        assert first.index_type == "visual" and first.index_id == run.id
        print("visual index text:", first.text)
        assert "Q3 Budget" in first.text and "spreadsheet" in first.text.lower()
        assert first.keyframes and all(Path(p).exists() for p in first.keyframes)
        assert first.start is not None and first.end > first.start and first.revision == 0

        win.send(text="Decision: hire two engineers")
        second = await _wait_for(seen, lambda e: "hire two engineers" in (e.ocr_text or ""))
        assert second.start > first.start

        await client.pause("display:1")
        count = len(seen)
        win.send(text="Secret plan while paused")
        await asyncio.sleep(2.0)
        await client.resume("display:1")
        await client.stop_session()
        await asyncio.wait_for(reader, 30)
        resumed = [e async for e in cap.events(types=["channel"])][-1]
        assert resumed.status == "resumed"
        # nothing was captured while paused: what changed then is seen only after resume
        later = [e for e in seen[count:] if "while paused" in (e.ocr_text or "")]
        assert all(e.start >= resumed.start - 0.3 for e in later)
    finally:
        conn.close()


async def test_excluded_window_is_never_stored(xvfb, tk_window, home):
    tk_window(
        title="Password Manager",
        app="keepassxc",
        text="hunter2 vault secret",
        geometry="800x300+0+0",
    )
    tk_window(title="Editor", text="Public roadmap", geometry="800x300+900+600")
    conn = copilot.connect(home=str(home), screen_fps=4, screen_exclude=["password manager"])
    try:
        cap = conn.create_capture_session()
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(capture_session_id=cap.id, channels=["display:1"])
        cap.get_rtstream("display")[0].index_visuals(
            batch_config={"type": "time", "value": 1, "frame_count": 1}
        )
        await asyncio.sleep(4)
        await client.stop_session()
        events = [e async for e in cap.events(types=["index"])]
        texts = " ".join(f"{e.text} {e.ocr_text}" for e in events)
        assert "Public roadmap" in texts
        assert "hunter2" not in texts and "vault" not in texts
    finally:
        conn.close()


async def test_no_display_is_a_clear_denial(home, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":987")
    conn = copilot.connect(home=str(home))
    try:
        client = CaptureClient(client_token=conn.generate_client_token())
        perm = await client.request_permission("screen")
        assert not perm.granted and "DISPLAY" in perm.reason
        assert list((await client.list_channels()).displays) == []
    finally:
        conn.close()
