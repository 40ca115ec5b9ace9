"""Fixtures: the real TUI on a fresh $COPILOT_HOME, replaying the sample meeting."""

from __future__ import annotations

import asyncio

import pytest

import copilot
from copilot.tui.app import CopilotApp
from copilot.tui.session import Controller
from copilot.tui.widgets.search import SearchScreen

SIZE = (140, 40)


def demo_app(home, speed: str = "max", masked: bool = False, autostart: bool = True) -> CopilotApp:
    """A CopilotApp on the demo, its runtime in `home`."""

    def factory():
        # at speed="max" ASR works through a backlog after the sources end: on a busy
        # machine that takes longer than the default 30 s drain
        return copilot.connect(home=str(home), drain_timeout=180.0)

    return CopilotApp(Controller(factory, "demo", speed), masked=masked, autostart=autostart)


@pytest.fixture
def make_app(home):
    """`make_app(speed="max", masked=False, autostart=True)` → a CopilotApp on the demo."""

    def make(speed: str = "max", masked: bool = False, autostart: bool = True) -> CopilotApp:
        return demo_app(home, speed, masked, autostart)

    return make


async def wait_until(pilot, predicate, timeout: float = 60.0) -> None:
    """Let the app run until `predicate()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        await pilot.pause(0.1)


async def finish_demo(pilot) -> None:
    """Wait for the replay to end and every buffered event to be drawn."""
    await wait_until(pilot, pilot.app.finished.is_set, timeout=180)  # ASR + refine at "max"
    await pilot.pause(1.0)  # lines inserted mid-transcript take a few frames to lay out


async def search(pilot, query: str) -> SearchScreen:
    await pilot.press("slash")
    await pilot.press(*query)
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    await wait_until(pilot, lambda: screen.hits, timeout=30)
    await pilot.pause(0.1)
    return screen
