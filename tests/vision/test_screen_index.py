"""End to end on a real X server: Tk window -> mss -> change detection -> OCR -> index result."""

import time

import pytest
from PIL import Image

from copilot.vision.displays import DisplaySource
from copilot.vision.indexer import VisualIndexer
from copilot.vision.keyframes import KeyframeStore
from copilot.vision.replay import ImageFolderSource
from copilot.vision.sampler import Sampler


def wait_for(cond, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_ocr_reads_the_tk_window(tk_window, ocr_engine):
    tk_window(title="Q3 Budget - LibreOffice Calc", text="Revenue 1.2M Costs 800K")
    src = DisplaySource("display:1")
    try:
        frame = src.grab()
    finally:
        src.close()
    lines = ocr_engine.recognize(frame)
    assert any("Revenue 1.2M Costs 800K" in line.text for line in lines), lines
    line = next(ln for ln in lines if "Revenue" in ln.text)
    assert line.confidence > 0.8 and 60 < line.box[0] < 1060 and 60 < line.box[1] < 560


def test_rapidocr_loads_and_runs_offline(loopback_only, tk_window):
    from copilot.vision.ocr import RapidOcrEngine

    tk_window(text="Offline models work", geometry="700x200+0+0")
    src = DisplaySource("display:1")
    try:
        frame = src.grab()[:300, :800]
    finally:
        src.close()
    engine = RapidOcrEngine(threads=1)  # a fresh engine: models load from the wheel
    assert any("Offline models work" in line.text for line in engine.recognize(frame))
    assert loopback_only == []


def test_one_change_gives_exactly_one_scene_and_its_end(tk_window, ocr_engine, tmp_path):
    win = tk_window(
        title="Q3 Budget - LibreOffice Calc", app="libreoffice-calc", text="Revenue 1.2M"
    )
    results = []
    store = KeyframeStore(tmp_path / "kf")
    indexer = VisualIndexer(
        results.append,
        batch_config={"type": "time", "value": 2, "frame_count": 1},
        ocr_engine=ocr_engine,
        keyframes=store,
    ).start()
    sampler = Sampler(
        DisplaySource("display:1"), indexer.on_frame, fps=5, on_tick=indexer.on_tick
    ).start()
    try:
        assert wait_for(lambda: len(results) == 1), "no baseline result"
        base = results[0]
        assert base.end > base.start and base.kind == "spreadsheet" and not base.ended
        assert base.text.startswith("User is viewing a spreadsheet 'Q3 Budget' in LibreOffice Calc")
        # a ticking clock and a blinking cursor for ~3 s: no new result
        for second in range(1, 7):
            win.send(clock=f"10:00:{second:02d}", cursor=second % 2 == 1)
            time.sleep(0.5)
        assert len(results) == 1, [r.text for r in results]
        changed_at = time.monotonic()
        win.send(text="Action: ship the release Friday")
        assert wait_for(lambda: len(results) == 3), "the change produced no result"
        latency = time.monotonic() - changed_at
        for second in range(7, 10):
            win.send(clock=f"10:00:{second:02d}")
            time.sleep(0.4)
        indexer.flush()
    finally:
        sampler.stop()
        indexer.stop()
    assert len(results) == 4, [r.text for r in results]
    base_end, change, change_end = results[1:]
    assert base_end.scene_id == base.scene_id and base_end.end == change.start
    assert "ship the release Friday" in change.ocr_text
    assert "Action: ship the release Friday" in change.text
    assert change.start > base.start and latency < 4.0
    assert change_end.scene_id == change.scene_id and change_end.end > change.start + 1
    assert [kf.t for kf in store.all()] == pytest.approx([base.start, change.start], abs=1e-3)
    assert "ship the release" in store.at(change.start + 5).ocr_text
    assert sampler.stats.changed == 2 and indexer.stats.dropped == 0


def test_static_screen_makes_no_result_over_30s_of_replay(tk_window, ocr_engine, tmp_path):
    """31 real screenshots, one per second, with the clock ticking and the cursor blinking."""
    win = tk_window(title="Meeting notes", text="Agenda: budget review")
    shots = tmp_path / "shots"
    shots.mkdir()
    src = DisplaySource("display:1", windows=False)
    try:
        for second in range(31):
            win.send(clock=f"10:00:{second:02d}", cursor=second % 2 == 0)
            Image.fromarray(src.grab()).save(shots / f"{second:04d}.png", compress_level=1)
        win.send(text="Decision: hire two engineers")
        Image.fromarray(src.grab()).save(shots / "0031.png", compress_level=1)
    finally:
        src.close()

    def replay(until_png):
        folder = tmp_path / f"upto{until_png}"
        folder.mkdir()
        for i in range(until_png + 1):
            (folder / f"{i:04d}.png").symlink_to(shots / f"{i:04d}.png")
        results = []
        indexer = VisualIndexer(
            results.append,
            batch_config={"type": "time", "value": 2, "frame_count": 1},
            ocr_engine=ocr_engine,
        ).start()
        sampler = Sampler(
            ImageFolderSource(folder),
            indexer.on_frame,
            fps=1,
            pace="fast",
            on_tick=indexer.on_tick,
        )
        sampler.start().join(60)
        indexer.stop()
        return sampler, results

    sampler, results = replay(30)
    assert sampler.stats.samples == 31 and sampler.stats.changed == 1
    # only the baseline scene, which lasts the whole replay
    first, end = results
    assert (first.start, first.revision, end.revision) == (0.0, 0, 1)
    assert 0.0 < first.end <= 30.0 and end.end == 30.0
    sampler, results = replay(31)
    firsts = [r for r in results if not r.ended]
    assert sampler.stats.changed == 2 and [r.start for r in firsts] == [0.0, 31.0]
    assert "hire two engineers" in firsts[1].ocr_text
