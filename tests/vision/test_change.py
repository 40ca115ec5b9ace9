"""Change detection: a cursor blink or a clock tick is ignored, new text is caught."""

import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from copilot.vision.change import ChangeDetector, changed_box, thumbnail


def screen(text_lines=(), clock="10:00:00", cursor=False) -> np.ndarray:
    """A 1080p 'desktop' with a window of text, a clock in the panel and a text cursor."""
    img = Image.new("RGB", (1920, 1080), (40, 44, 52))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 1919, 27), fill=(20, 20, 20))
    font = ImageFont.load_default(size=14)
    draw.text((1840, 6), clock, fill=(230, 230, 230), font=font)
    draw.rectangle((200, 120, 1400, 900), fill=(255, 255, 255))
    body = ImageFont.load_default(size=16)
    for i, line in enumerate(text_lines):
        draw.text((230, 150 + 28 * i), line, fill=(0, 0, 0), font=body)
    if cursor:
        draw.rectangle((230, 150 + 28 * len(text_lines), 231, 168 + 28 * len(text_lines)), fill=0)
    return np.asarray(img)


LINES = ["Quarterly planning notes", "Revenue up 12% on last year"]


def test_cursor_blink_and_clock_tick_are_ignored():
    det = ChangeDetector()
    assert det.check(screen(LINES)).changed  # the first frame is the reference
    for second in range(1, 40):
        frame = screen(LINES, clock=f"10:00:{second:02d}", cursor=second % 2 == 1)
        assert not det.check(frame).changed, f"false change at second {second}"
    # a minute and an hour rollover change every digit of the clock: still not content
    assert not det.check(screen(LINES, clock="10:59:59")).changed
    assert not det.check(screen(LINES, clock="11:00:00", cursor=True)).changed


def test_new_text_in_a_window_is_a_change_with_its_box():
    det = ChangeDetector()
    det.check(screen(LINES))
    result = det.check(screen([*LINES, "Action: Alice sends the budget on Friday"]))
    assert result.changed
    x, y, w, h = result.box
    assert 220 <= x <= 240 and 200 <= y <= 215 and h <= 40 and w >= 200
    # once accepted, the same screen is no longer a change
    assert not det.check(screen([*LINES, "Action: Alice sends the budget on Friday"])).changed


def test_small_changes_add_up_against_the_accepted_frame():
    det = ChangeDetector()
    det.check(screen(LINES))
    words = [f"word{i}" for i in range(1, 13)]
    changed_at = None
    for i in range(1, len(words) + 1):
        if det.check(screen([*LINES, " ".join(words[:i])])).changed:
            changed_at = i
            break
    assert changed_at is not None, "a growing line was never noticed"


def test_changed_box_and_resolution_change():
    a = screen(LINES)
    assert changed_box(a, a.copy()) is None
    det = ChangeDetector()
    det.check(a)
    assert det.check(np.zeros((720, 1280, 3), np.uint8)).changed


def test_thumbnail_is_cheap_on_1080p_bgra():
    raw = np.random.default_rng(0).integers(0, 255, (1080, 1920, 4), dtype=np.uint8)
    det = ChangeDetector()
    det.check(raw)
    started = time.perf_counter()
    for _ in range(20):
        det.compare(thumbnail(raw), det._ref)
    per_frame = (time.perf_counter() - started) / 20
    assert per_frame < 0.05, f"{per_frame * 1000:.1f} ms per 1080p frame"
