"""Window info from X11 and the exclusion list: an excluded window never reaches storage."""

import time

import numpy as np

from copilot.vision import windows
from copilot.vision.displays import DisplaySource
from copilot.vision.keyframes import KeyframeStore
from copilot.vision.privacy import PrivacyFilter
from copilot.vision.sampler import Sampler
from copilot.vision.windows import WindowInfo, WindowSnapshot


def test_active_and_visible_windows(tk_window):
    tk_window(
        title="Q3 Budget - LibreOffice Calc", app="libreoffice-calc", geometry="800x400+50+70"
    )
    snap = windows.snapshot()
    assert snap is not None
    calc = [w for w in snap.visible if w.title == "Q3 Budget - LibreOffice Calc"]
    assert calc and calc[0].app.lower() == "libreoffice-calc"  # Tk capitalises the class
    assert calc[0].rect == (50, 70, 800, 400)
    assert snap.active is not None and snap.active.title == "Q3 Budget - LibreOffice Calc"


def test_no_display_gives_none(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert windows.snapshot() is None
    assert windows.active_window() is None


def _snap(*wins, active=None):
    return WindowSnapshot(active=active, visible=tuple(wins))


def test_patterns_substring_and_glob_case_insensitive():
    pf = PrivacyFilter(["keepass", "*bank*", "Signal"])
    assert pf.matches(WindowInfo("Passwords - KeePassXC", "keepassxc", 0, 0, 1, 1))
    assert pf.matches(WindowInfo("My BANK online", "firefox", 0, 0, 1, 1))
    assert pf.matches(WindowInfo("chat", "signal", 0, 0, 1, 1))
    assert not pf.matches(WindowInfo("Notes", "gedit", 0, 0, 1, 1))


def test_blackout_paints_the_rect_and_hides_the_title():
    frame = np.full((100, 200, 3), 255, np.uint8)
    secret = WindowInfo("KeePassXC", "keepassxc", 10, 20, 50, 30)
    notes = WindowInfo("Notes", "gedit", 100, 0, 100, 100)
    out = PrivacyFilter(["keepass"]).apply(frame, _snap(notes, secret, active=secret))
    assert out.frame is not frame and frame.min() == 255  # the caller's buffer is untouched
    assert out.frame[20:50, 10:60].max() == 0 and out.frame[60:, :].min() == 255
    assert out.windows.active is None and [w.title for w in out.windows.visible] == ["Notes"]


def test_drop_mode_and_unknown_geometry_drop_the_frame():
    frame = np.full((100, 200, 3), 255, np.uint8)
    secret = WindowInfo("KeePassXC", "keepassxc", 10, 20, 50, 30)
    assert PrivacyFilter(["keepass"], mode="drop").apply(frame, _snap(secret)).dropped
    nameless = WindowInfo("KeePassXC", "keepassxc", 0, 0, 0, 0)
    assert PrivacyFilter(["keepass"]).apply(frame, _snap(active=nameless)).dropped


def test_excluded_window_is_never_stored(tk_window, tmp_path):
    tk_window(title="Meeting notes", text="Agenda budget review", geometry="900x300+40+40")
    secret = tk_window(
        title="Passwords - KeePassXC",
        app="keepassxc",
        text="TOPSECRET 4242",
        geometry="700x300+40+500",
    )
    store = KeyframeStore(tmp_path / "kf")
    seen = []

    def on_frame(frame, pts, changed, info):
        seen.append(info)
        store.add(frame, pts, window={"title": getattr(info.active_window, "title", "")})

    sampler = Sampler(
        DisplaySource("display:1"),
        on_frame,
        fps=20,
        privacy=PrivacyFilter(["*keepass*"]),
    ).start()
    try:
        _wait(lambda: len(store) >= 1)
        secret.send(text="TOPSECRET 9999 changed")  # changes inside the excluded window
        secret.send(title="Passwords - KeePassXC (2)")
        time.sleep(0.5)
    finally:
        sampler.stop()
    assert len(store) == 1, "changes inside an excluded window must not produce frames"
    kf = store.all()[0]
    img = kf.load()
    assert img[500:800, 40:740].max() <= 16  # JPEG noise only: the window is black
    assert img[100:300, 100:900].mean() > 200  # the notes window is still there
    assert seen[0].redacted and all("KeePass" not in w.title for w in seen[0].windows.visible)


def _wait(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_unknown_windows_allow_or_fail_closed():
    frame = np.zeros((10, 10, 3), np.uint8)
    assert PrivacyFilter(["keepass"]).apply(frame, None).frame is frame
    assert PrivacyFilter(["keepass"], unknown="drop").apply(frame, None).dropped
    assert PrivacyFilter([], unknown="drop").apply(frame, None).frame is frame
