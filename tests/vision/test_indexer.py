"""Indexer batching and hand-over, with a fake OCR engine so timing is deterministic."""

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


def test_time_batch_closes_on_ticks_without_new_frames():
    def feed(idx):
        idx.on_frame(shade(10), 0.0, True, None)
        idx.on_frame(shade(200), 1.0, True, None)
        for t in (2.0, 3.0, 4.0, 5.0):
            idx.on_tick(t)

    _, results, engine = run({"type": "time", "value": 5, "frame_count": 3}, feed)
    (r,) = results
    assert (r.start, r.end, r.frame_count) == (0.0, 5.0, 2)
    assert r.ocr_text == "shade 10\nshade 200" and "shade 200" in r.text
    assert engine.threads == {"vision-indexer"}


def test_frame_count_closes_early_and_unchanged_frames_are_ignored():
    def feed(idx):
        for i in range(4):
            idx.on_frame(shade(40 * i), float(i), True, None)
            idx.on_frame(shade(40 * i), i + 0.5, False, None)

    _, results, engine = run({"type": "time", "value": 60, "frame_count": 2}, feed)
    assert [(r.start, r.end, r.frame_count) for r in results] == [(0.0, 1.0, 2), (2.0, 3.0, 2)]
    assert engine.calls == 4


def test_a_static_stream_makes_nothing():
    def feed(idx):
        for t in range(30):
            idx.on_tick(float(t))

    _, results, engine = run(None, feed)
    assert results == [] and engine.calls == 0


def test_slow_ocr_drops_oldest_frames_and_counts_them(tmp_path):
    store = KeyframeStore(tmp_path)

    def feed(idx):
        idx.ready.wait(5)
        for i in range(10):
            idx.on_frame(shade(i * 20), float(i), True, None)

    idx, results, _ = run(
        {"type": "time", "value": 1, "frame_count": 1},
        feed,
        engine=FakeOcr(delay=0.05),
        keyframes=store,
        queue_size=2,
    )
    assert idx.stats.dropped >= 5 and idx.stats.frames_in == 10
    assert len(results) == 10 - idx.stats.dropped == len(store)
    assert results[-1].start == 9.0 and results[-1].keyframe_paths[0].endswith(".jpg")


def test_on_frame_never_blocks_on_ocr():
    engine = FakeOcr(delay=0.5)
    idx = VisualIndexer(lambda r: None, ocr_engine=engine, incremental_ocr=False).start()
    started = time.monotonic()
    for i in range(5):
        idx.on_frame(shade(i), float(i), True, None)
    assert time.monotonic() - started < 0.2  # five OCR passes would take 2.5 s
    idx.stop()


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
