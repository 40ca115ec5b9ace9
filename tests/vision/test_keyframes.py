"""Keyframe store: compressed frames + OCR text on disk, read back by time."""

import json

import numpy as np
import pytest

from copilot.vision.keyframes import KeyframeStore


def frame(value):
    img = np.zeros((360, 640, 3), np.uint8)
    img[:, :, 0] = value
    return img


@pytest.mark.parametrize("fmt,suffix", [("jpeg", ".jpg"), ("webp", ".webp")])
def test_store_and_read_back_by_time(tmp_path, fmt, suffix):
    store = KeyframeStore(tmp_path, fmt=fmt)
    store.add(frame(10), 0.0, ocr_text="Agenda")
    kf = store.add(frame(200), 12.5, ocr_text="Budget Q3", window={"title": "Calc", "app": "x"})
    assert kf.path.name == f"000012.500{suffix}" and kf.path.stat().st_size < 20_000
    assert store.at(-1) is None
    assert store.at(5).ocr_text == "Agenda"
    assert store.at(12.5).ocr_text == "Budget Q3" and store.at(99).t == 12.5
    assert abs(int(store.at(13).load()[0, 0, 0]) - 200) < 8
    assert [k.t for k in store.between(5, 20)] == [0.0, 12.5]
    assert [k.t for k in store.search("budget")] == [12.5]
    again = KeyframeStore(tmp_path, fmt=fmt)  # reopened: the index is read back
    assert [k.t for k in again.all()] == [0.0, 12.5] and again.at(13).window["title"] == "Calc"
    lines = [json.loads(x) for x in (tmp_path / "index.jsonl").read_text().splitlines()]
    assert lines[1]["file"] == kf.path.name and lines[1]["ocr_text"] == "Budget Q3"


def test_same_time_twice_and_torn_index(tmp_path):
    store = KeyframeStore(tmp_path, max_side=320)
    a = store.add(frame(1), 1.0)
    b = store.add(frame(2), 1.0)
    assert a.path != b.path and b.width == 320
    with (tmp_path / "index.jsonl").open("a") as fh:
        fh.write('{"t": 2.0, "fi')  # a crash mid-line
    assert len(KeyframeStore(tmp_path)) == 2
