"""A screen frame's info and pixels survive the ingest wire (copilot.capture.wire, framing)."""

from __future__ import annotations

import numpy as np

from copilot.capture.frames import VideoFrame
from copilot.server import framing
from copilot.vision.change import Change
from copilot.vision.sampler import FrameInfo
from copilot.vision.windows import WindowInfo, WindowSnapshot


def test_frame_info_comes_back_as_itself():
    calc = WindowInfo("Q3 Budget - LibreOffice Calc", "libreoffice-calc", 0, 0, 800, 600, 7)
    info = FrameInfo(
        source_id="display:1",
        index=np.int64(3),
        change=Change(True, 0.25, (10, 20, 300, 40)),
        windows=WindowSnapshot(active=calc, visible=(calc,)),
        redacted=((0, 0, 5, 5),),
        wall_time=12.5,
    )
    frame = VideoFrame(np.zeros((4, 6, 3), np.uint8), 1.5, True, {"frame_info": info, "x": {1}})
    back = framing.decode(framing.encode(0, 0, frame)).frame
    assert back.info["frame_info"] == FrameInfo(
        "display:1", 3, info.change, info.windows, ((0, 0, 5, 5),), 12.5
    )
    assert back.info["frame_info"].active_window.title == "Q3 Budget - LibreOffice Calc"
    assert back.info["x"] == [1]


def test_a_frame_too_big_for_raw_pixels_goes_compressed():
    rng = np.random.default_rng(0)
    screen = np.full((2160, 3840, 3), 240, np.uint8)  # a 4K screen: 24 MB raw
    screen[200:260, 100:2000] = 20  # a line of "text"
    screen[1000:1400, 1000:1600] = rng.integers(0, 255, (400, 600, 3), dtype=np.uint8)  # a photo
    data = framing.encode(0, 0, VideoFrame(screen, 0.0))
    assert len(data) <= framing.MAX_FRAME_BYTES
    assert np.array_equal(framing.decode(data).frame.image, screen)  # lossless
    noise = rng.integers(0, 255, (2160, 3840, 3), dtype=np.uint8)  # nothing compresses this
    data = framing.encode(0, 0, VideoFrame(noise, 0.0))
    assert len(data) <= framing.MAX_FRAME_BYTES
    assert framing.decode(data).frame.image.shape == noise.shape
