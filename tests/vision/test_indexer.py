"""Scenes and hand-over in the indexer, with a fake OCR engine so timing is deterministic."""

import logging
import threading
import time

import numpy as np
import pytest

from copilot.vision.indexer import BatchConfig, VisualIndexer
from copilot.vision.keyframes import KeyframeStore
from copilot.vision.ocr import OcrLine


class FakeOcr:
    name = "fake"

    def __init__(self, delay=0.0):
        self.delay = delay
        self.calls = 0
        self.threads = set()

    def recognize(self, image):
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        return [OcrLine(f"shade {int(image.mean())}", (0, 0, 50, 20), 0.99)]


def shade(v):
    return np.full((120, 160, 3), v, np.uint8)


def run(config, feed, engine=None, **kw):
    results = []
    engine = engine or FakeOcr()
    idx = VisualIndexer(
        results.append, batch_config=config, ocr_engine=engine, incremental_ocr=False, **kw
    )
    idx.start()
    feed(idx)
    idx.flush()
    idx.stop()
    return idx, results, engine


def sample(idx, t, frame=None):
    """What a sampler does at time t: the changed frame if any, then a tick."""
    if frame is not None:
        idx.on_frame(frame, t, True, None)
    idx.on_tick(t)


def test_each_scene_spans_from_its_change_to_the_next_and_then_ends():
    def feed(idx):
        idx.ready.wait(5)
        for t in range(10):
            sample(idx, float(t), shade(40 * (t // 4 + 1)) if t in (0, 4, 8) else None)
            time.sleep(0.01)

    _, results, engine = run(None, feed)
    firsts = [r for r in results if not r.ended]
    ends = {r.scene_id: r for r in results if r.ended}
    assert [r.start for r in firsts] == [0.0, 4.0, 8.0]
    assert all(r.end > r.start for r in results)  # never a point in time
    assert [(ends[r.scene_id].start, ends[r.scene_id].end) for r in firsts] == [
        (0.0, 4.0),
        (4.0, 8.0),
        (8.0, 9.0),  # the last scene ends where the stream stopped
    ]
    assert len({r.scene_id for r in firsts}) == 3 and len(ends) == 3
    assert [r.ocr_text for r in firsts] == ["shade 40", "shade 80", "shade 120"]
    assert ends[firsts[1].scene_id].text == firsts[1].text and engine.threads == {"vision-indexer"}


def test_a_time_batch_is_one_scene_and_closes_on_ticks():
    def feed(idx):
        sample(idx, 0.0, shade(10))
        sample(idx, 1.0, shade(200))
        for t in (2.0, 3.0, 4.0, 5.0, 6.0):
            sample(idx, t)

    _, results, _ = run({"type": "time", "value": 5, "frame_count": 3}, feed)
    first, end = results
    assert (first.start, first.frame_count, first.revision) == (0.0, 2, 0)
    assert first.end >= 5.0 and (end.revision, end.end) == (1, 6.0)
    assert first.ocr_text == "shade 10\nshade 200" and "shade 200" in first.text


def test_a_static_stream_makes_nothing():
    def feed(idx):
        for t in range(30):
            sample(idx, float(t))

    _, results, engine = run(None, feed)
    assert results == [] and engine.calls == 0


def test_a_live_screen_drops_the_oldest_frames_and_the_scene_ends_at_the_gap(tmp_path):
    store = KeyframeStore(tmp_path)

    engine = FakeOcr(delay=0.05)

    def feed(idx):
        sample(idx, 0.0, shade(0))
        while not engine.calls:  # the first frame is being read: the rest pile up
            time.sleep(0.001)
        for i in range(1, 10):
            sample(idx, float(i), shade(i * 20))

    idx, results, _ = run(
        {"type": "time", "value": 1, "frame_count": 1},
        feed,
        engine=engine,
        keyframes=store,
        queue_size=2,
    )
    firsts = [r for r in results if not r.ended]
    assert idx.stats.dropped >= 5 and idx.stats.frames_in == 10
    assert len(firsts) == 10 - idx.stats.dropped == len(store)
    ends = {r.scene_id: r.end for r in results if r.ended}
    # the first scene ended when the screen changed, though that change was dropped
    assert firsts[0].start == 0.0 and firsts[0].end == ends[firsts[0].scene_id] == 1.0
    assert firsts[-1].start == 9.0


def test_a_replay_never_drops_and_spills_compressed():
    def feed(idx):
        for i in range(12):
            sample(idx, float(i), shade(i * 20))

    idx, results, _ = run(None, feed, engine=FakeOcr(delay=0.02), queue_size=2, realtime=False)
    firsts = [r for r in results if not r.ended]
    assert idx.stats.dropped == 0 and idx.stats.spilled >= 5
    assert [r.ocr_text for r in firsts] == [f"shade {i * 20}" for i in range(12)]


def test_on_frame_never_blocks_on_ocr():
    engine = FakeOcr(delay=0.5)
    idx = VisualIndexer(lambda r: None, ocr_engine=engine, incremental_ocr=False).start()
    started = time.monotonic()
    for i in range(5):
        idx.on_frame(shade(i), float(i), True, None)
    assert time.monotonic() - started < 0.2  # five OCR passes would take 2.5 s
    idx.stop()


def test_the_offline_engine_says_it_follows_no_prompt(caplog):
    def feed(idx):
        sample(idx, 0.0, shade(10))

    with caplog.at_level(logging.WARNING, logger="copilot.vision.indexer"):
        _, results, _ = run(None, feed, prompt="What is the total budget?")
    assert results and all(r.prompt is None and r.engine == "ocr" for r in results)
    warned = [r for r in caplog.records if "cannot follow the prompt" in r.getMessage()]
    assert len(warned) == 1 and "total budget" in warned[0].getMessage()


def test_batch_config_validation():
    assert BatchConfig.parse({"type": "time", "value": 3, "frame_count": 2}).value == 3.0
    with pytest.raises(ValueError, match="unknown batch_config keys"):
        BatchConfig.parse({"type": "time", "seconds": 3})
    with pytest.raises(ValueError, match="type must be 'time'"):
        BatchConfig.parse({"type": "shot"})
    with pytest.raises(ValueError):
        BatchConfig.parse({"value": 0})


def test_a_batch_across_two_windows_says_the_user_switched():
    from copilot.vision.windows import WindowInfo, WindowSnapshot

    class Info:
        def __init__(self, title, app):
            self.windows = WindowSnapshot(WindowInfo(title, app, 0, 0, 10, 10), ())

        @property
        def active_window(self):
            return self.windows.active

    def feed(idx):
        idx.on_frame(shade(10), 0.0, True, Info("general - Acme - Slack", "Slack"))
        idx.on_frame(shade(90), 1.0, True, Info("Q3 Budget - LibreOffice Calc", "libreoffice-calc"))

    _, results, _ = run({"type": "time", "value": 10, "frame_count": 2}, feed)
    assert results[0].text.startswith(
        "User switched from 'general - Acme' in Slack to a spreadsheet 'Q3 Budget' in LibreOffice"
    )
