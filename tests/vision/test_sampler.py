"""Sampler threading: named thread, Event-paced, pause/resume/stop, flags, first frame."""

import threading
import time

import numpy as np

from copilot.vision.sampler import Sampler


class Counter:
    """A fake live source that counts reads and shows `value`."""

    live = True
    id = "fake:1"

    def __init__(self):
        self.reads = 0
        self.value = 0

    def open(self):
        pass

    def read(self, t):
        self.reads += 1
        return np.full((64, 64, 3), self.value, np.uint8)

    def to_rgb(self, raw):
        return raw

    def windows(self):
        return None

    def close(self):
        pass


def test_named_thread_pause_resume_stop():
    src, got = Counter(), []
    s = Sampler(src, lambda f, pts, changed, info: got.append(pts), fps=50, name="vision-test")
    s.start()
    assert any(t.name == "vision-test" for t in threading.enumerate())
    time.sleep(0.3)
    assert len(got) == 1  # a static source: only the first frame
    s.pause()
    time.sleep(0.05)
    reads = src.reads
    src.value = 255
    time.sleep(0.3)
    assert src.reads == reads, "a paused sampler must not grab"
    s.resume()
    time.sleep(0.2)
    assert len(got) == 2 and got[1] > got[0]
    started = time.monotonic()
    s.stop()
    assert time.monotonic() - started < 0.5 and not s.running


def test_stop_wakes_a_slow_sampler_at_once():
    s = Sampler(Counter(), lambda *a: None, fps=0.01).start()
    time.sleep(0.1)
    started = time.monotonic()
    s.stop()
    assert time.monotonic() - started < 0.5


def test_emit_unchanged_flags_and_emit_first_false():
    src, got = Counter(), []
    s = Sampler(
        src,
        lambda f, pts, changed, info: got.append(changed),
        fps=100,
        emit_unchanged=True,
        emit_first=False,
    ).start()
    time.sleep(0.2)
    src.value = 200
    time.sleep(0.2)
    s.stop()
    assert got.count(True) == 1 and got.count(False) > 5


def test_callback_errors_are_counted_not_fatal():
    src = Counter()

    def boom(*a):
        raise RuntimeError("plugin bug")

    s = Sampler(src, boom, fps=100).start()
    time.sleep(0.1)
    src.value = 99
    time.sleep(0.1)
    s.stop()
    assert s.stats.callback_errors == 2 and s.error is None
