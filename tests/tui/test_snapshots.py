"""Snapshots (pytest-textual-snapshot) of the main screen, search and help.

`masked=True` hides the session id, elapsed time, lag, levels and dates; the replay runs at
`speed="max"`, so the finished demo looks the same on every run. Update with
`pytest tests/tui --snapshot-update` after an intended change."""

from __future__ import annotations

import pytest

from tests.tui.conftest import SIZE, finish_demo, search


def test_help_screen(snap_compare, make_app):
    async def before(pilot):
        await pilot.press("question_mark")

    assert snap_compare(make_app(autostart=False), terminal_size=SIZE, run_before=before)


@pytest.mark.slow
def test_main_screen_after_demo(snap_compare, make_app):
    assert snap_compare(make_app(masked=True), terminal_size=SIZE, run_before=finish_demo)


@pytest.mark.slow
def test_search_screen(snap_compare, make_app):
    async def before(pilot):
        await finish_demo(pilot)
        await search(pilot, "budget")
        await pilot.press("down")  # results focused: no blinking cursor in the snapshot
        await pilot.pause(0.2)

    assert snap_compare(make_app(masked=True), terminal_size=SIZE, run_before=before)
