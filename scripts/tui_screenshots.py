"""Save the README's TUI screenshots: the main screen mid-demo and search (SVG, and PNG if
`rsvg-convert` is installed: Debian `librsvg2-bin` + `fonts-firacode`).

    .venv/bin/python scripts/tui_screenshots.py [--speed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZE = (140, 40)


def to_png(svg: Path) -> None:
    """rsvg drops leading non-breaking spaces unless told to preserve whitespace."""
    if shutil.which("rsvg-convert") is None:
        return
    fixed = svg.read_text().replace("<svg ", '<svg xml:space="preserve" ', 1)
    subprocess.run(
        ["rsvg-convert", "-o", str(svg.with_suffix(".png"))], input=fixed.encode(), check=True
    )


async def shoot(speed: str) -> None:
    import copilot
    from copilot.tui.app import CopilotApp
    from copilot.tui.session import Controller
    from copilot.tui.widgets.insights import InsightsPanel
    from copilot.tui.widgets.search import SearchScreen

    OUT.mkdir(parents=True, exist_ok=True)
    app = CopilotApp(Controller(copilot.connect, "demo", speed))
    async with app.run_test(size=SIZE) as pilot:
        insights = app.query_one(InsightsPanel)
        while not (insights.alerts >= 1 and app.counts["final"] >= 9):  # the password moment
            if app.finished.is_set():
                break
            await pilot.pause(0.2)
        await pilot.pause(1.0)
        main = Path(app.save_screenshot(filename="main.svg", path=str(OUT)))
        await asyncio.wait_for(app.finished.wait(), 300)
        await pilot.pause(0.5)
        await pilot.press("slash", *"budget")
        while not (isinstance(app.screen, SearchScreen) and app.screen.hits):
            await pilot.pause(0.2)
        await pilot.pause(0.3)
        search = Path(app.save_screenshot(filename="search.svg", path=str(OUT)))
    for svg in (main, search):
        to_png(svg)
        print(svg)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--speed", default="1", help="demo pace (1 = real time)")
    args = p.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ["COPILOT_HOME"] = tempfile.mkdtemp(prefix="copilot-shots-")
    asyncio.run(shoot(args.speed))


if __name__ == "__main__":
    main()
