"""Snapshots (pytest-textual-snapshot) of the main screen, search and help.

`masked=True` hides the session id, elapsed time, lag, levels and dates; the replay runs at
`speed="max"`, so the finished demo looks the same on every run. Update with
`pytest tests/tui --snapshot-update` after an intended change."""

from __future__ import annotations

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual._doc import take_svg_screenshot

from tests.tui.conftest import SIZE, demo_app, finish_demo, search


def test_help_screen(snap_compare, make_app):
    async def before(pilot):
        await pilot.press("question_mark")

    assert snap_compare(make_app(autostart=False), terminal_size=SIZE, run_before=before)


async def shot(pilot) -> str:
    """The screen, settled the way snap_compare settles it before its shot (textual's
    take_svg_screenshot after `run_before`)."""
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    return pilot.app.export_screenshot(title=pilot.app.title, simplify=True)


@pytest.fixture(scope="module")
def finished_demo(tmp_path_factory) -> dict[str, str]:
    """One masked demo run to its end, shot twice: the main screen, then the search screen
    on top of it. The replay is nearly all of each snapshot's time, so they share it; the
    tests only compare the shots."""
    shots = {}

    async def before(pilot):
        await finish_demo(pilot)
        shots["main"] = await shot(pilot)
        await search(pilot, "budget")
        await pilot.press("down")  # results focused: no blinking cursor in the snapshot
        await pilot.pause(0.2)

    home = tmp_path_factory.mktemp("tui-demo") / "home"
    with pytest.MonkeyPatch.context() as mp:  # what the `home` fixture does, for the module
        mp.setenv("COPILOT_HOME", str(home))
        for name in ("COPILOT_PLUGINS", "COPILOT_CONFIG", "COPILOT_DATABASE_URL"):
            mp.delenv(name, raising=False)
        app = demo_app(home, masked=True)
        shots["search"] = take_svg_screenshot(app=app, terminal_size=SIZE, run_before=before)
    return shots


@pytest.mark.slow
def test_main_screen_after_demo(snapshot, finished_demo):
    assert snapshot.use_extension(SVGImageExtension) == finished_demo["main"]


@pytest.mark.slow
def test_search_screen(snapshot, finished_demo):
    assert snapshot.use_extension(SVGImageExtension) == finished_demo["search"]
