"""Replay sources: timestamped image folders and video files, fast and real-time."""

import time

import numpy as np
import pytest
from PIL import Image

from copilot.vision.replay import (
    ImageFolderSource,
    ReplayError,
    VideoSource,
    parse_image_time,
)
from copilot.vision.sampler import Sampler
from copilot.vision.sources import open_source


def solid(value, size=(64, 48)):
    return Image.new("RGB", size, (value, value, value))


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "shots"
    d.mkdir()
    solid(0).save(d / "0000.png")
    solid(128).save(d / "0003.5.png")
    solid(255).save(d / "frame_0007.png")
    (d / "notes.txt").write_text("ignored")
    return d


def test_names_follow_the_convention():
    assert parse_image_time("0003.5.png") == 3.5
    assert parse_image_time("frame_0012.25.jpg") == 12.25
    assert parse_image_time("0000.PNG") == 0.0
    assert parse_image_time("shot.png") is None
    assert parse_image_time("0003.txt") is None


def test_folder_shows_each_image_from_its_time(folder):
    src = ImageFolderSource(folder)
    assert src.duration == 7.0
    assert src.read(0.0)[0, 0, 0] == 0
    assert src.read(3.49)[0, 0, 0] == 0
    assert src.read(3.5)[0, 0, 0] == 128
    assert src.read(7.0)[0, 0, 0] == 255
    assert src.read(7.5) is None


def test_fast_replay_emits_only_changes(folder):
    got = []
    ended = []
    s = Sampler(
        open_source(str(folder)),
        lambda f, pts, changed, info: got.append((pts, int(f[0, 0, 0]))),
        fps=2,
        pace="fast",
        on_end=lambda: ended.append(True),
    )
    started = time.monotonic()
    s.start().join(10)
    assert time.monotonic() - started < 2
    assert got == [(0.0, 0), (3.5, 128), (7.0, 255)] and ended == [True]
    assert s.stats.samples == 15


def test_realtime_replay_keeps_pace(tmp_path):
    d = tmp_path / "rt"
    d.mkdir()
    solid(0).save(d / "0000.png")
    solid(200).save(d / "0000.6.png")
    got = []
    s = Sampler(ImageFolderSource(d), lambda f, pts, c, i: got.append(time.monotonic()), fps=10)
    started = time.monotonic()
    s.start().join(5)
    assert len(got) == 2
    assert 0.5 <= got[1] - started <= 1.5


def test_a_faster_replay_samples_the_same_timeline_in_less_time(tmp_path):
    d = tmp_path / "fast"
    d.mkdir()
    solid(0).save(d / "0000.png")
    solid(200).save(d / "0002.png")
    got = []
    s = Sampler(
        ImageFolderSource(d),
        lambda f, pts, c, i: got.append((pts, int(f[0, 0, 0]), time.monotonic())),
        fps=2,
        speed=4,
    )
    started = time.monotonic()
    s.start().join(5)
    assert [(pts, shade) for pts, shade, _ in got] == [(0.0, 0), (2.0, 200)]  # source time
    assert 0.4 <= got[1][2] - started < 1.5  # 2 s of recording in ~0.5 s (at speed 1: 2 s)
    with pytest.raises(ValueError, match="speed must be positive"):
        Sampler(ImageFolderSource(d), lambda *a: None, speed=0)


def test_folder_errors_are_clear(tmp_path):
    with pytest.raises(ReplayError, match="replay folder not found"):
        ImageFolderSource(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReplayError, match="no timestamped images"):
        ImageFolderSource(empty)
    solid(9).save(empty / "screenshot.png")
    with pytest.raises(ReplayError, match=r"0003\.5\.png.*ignored: \['screenshot.png'\]"):
        ImageFolderSource(empty)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "0000.png").write_bytes(b"not a png at all")
    with pytest.raises(ReplayError, match=r"cannot decode image .*0000\.png"):
        ImageFolderSource(bad).read(0)
    with pytest.raises(ReplayError, match="display source not found"):
        open_source(str(tmp_path / "nope"))


def test_corrupt_image_stops_the_sampler_with_the_error(tmp_path):
    d = tmp_path / "half"
    d.mkdir()
    solid(0).save(d / "0000.png")
    (d / "0001.png").write_bytes(b"\x89PNG broken")
    errors, got = [], []
    s = Sampler(ImageFolderSource(d), lambda *a: got.append(a), fps=1, pace="fast")
    s.on_error = errors.append
    s.start().join(5)
    assert len(got) == 1 and isinstance(errors[0], ReplayError)


def make_video(path, seconds=3, fps=10):
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        for i in range(seconds * fps):
            shade = 30 if i < fps * 1.5 else 220  # one cut at 1.5 s
            img = np.full((96, 128, 3), shade, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_video_replay_fast(tmp_path):
    video = tmp_path / "demo.mp4"
    make_video(video)
    got = []
    s = Sampler(
        open_source(str(video)),
        lambda f, pts, c, i: got.append((pts, int(f[48, 64, 0]))),
        fps=4,
        pace="fast",
    )
    s.start().join(10)
    assert s.error is None
    assert [pts for pts, _ in got] == [0.0, 1.5]
    assert got[0][1] < 60 and got[1][1] > 190


def test_video_errors_are_clear(tmp_path):
    with pytest.raises(ReplayError, match="replay video not found"):
        VideoSource(tmp_path / "nope.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 4096)
    with pytest.raises(ReplayError, match=r"cannot open video .*bad\.mp4"):
        VideoSource(bad).open()
