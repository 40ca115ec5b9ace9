"""Displays under a real Xvfb: listing, grabbing a Tk window, and the no-display message."""

import numpy as np
import pytest

from copilot.vision.displays import DisplaySource, DisplayUnavailable, list_displays
from copilot.vision.sampler import Sampler
from copilot.vision.sources import open_source


def test_list_displays_shows_the_xvfb_screen(xvfb):
    displays = list_displays()
    assert [d.id for d in displays] == ["display:1"]
    (d,) = displays
    assert d.primary and (d.width, d.height) == (1920, 1080)


def test_grab_sees_a_tk_window(tk_window):
    tk_window(title="Grab me", geometry="400x300+100+100")
    src = open_source("display:1")
    assert isinstance(src, DisplaySource)
    try:
        frame = src.grab()
    finally:
        src.close()
    assert frame.shape == (1080, 1920, 3) and frame.dtype == np.uint8
    assert frame[200, 250].tolist() == [255, 255, 255]  # the window's white background
    assert frame[900, 1800].tolist() == [0, 0, 0]  # bare Xvfb root


@pytest.mark.parametrize("display", [None, ":4242"])
def test_no_display_is_a_clear_error(monkeypatch, display):
    if display is None:
        monkeypatch.delenv("DISPLAY", raising=False)
    else:
        monkeypatch.setenv("DISPLAY", display)
    with pytest.raises(DisplayUnavailable) as err:
        list_displays()
    message = str(err.value)
    assert "Traceback" not in message
    if display is None:
        assert "no X display: set DISPLAY or start Xvfb" in message
    else:
        assert "cannot open the screen" in message


def test_sampler_reports_a_missing_display_without_raising(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    errors = []
    sampler = Sampler(DisplaySource("display:1"), lambda *a: None, on_error=errors.append)
    sampler.start()
    sampler.join(5)
    assert not sampler.running
    assert len(errors) == 1 and isinstance(errors[0], DisplayUnavailable)
    assert "no X display" in str(errors[0])


def test_unknown_display_id(xvfb):
    src = DisplaySource("display:7")
    with pytest.raises(DisplayUnavailable, match=r"no display:7 \(known: display:1\)"):
        src.open()
    with pytest.raises(DisplayUnavailable, match="not a display id"):
        DisplaySource("screen-two")
