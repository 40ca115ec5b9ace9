"""Screen helper: when an error dialog or a stack trace shows up on screen, suggest a next step.

Shows an agent with its own event type: it watches visual `index` events (the screen
description and OCR text), and on an error screen emits a `suggestion` event — registered with
`conn.register_event_type`, so it is validated, persisted and delivered like builtin events
(`copilot events SESSION --type suggestion`). The wording comes from `copilot.llm.complete_json`
through the agent's own llm task: offline rules by default, any litellm model with --llm-model.

    python agents/screen_helper.py                   # replays a few rendered slides, one an error
    python agents/screen_helper.py --display 1       # your primary screen (Ctrl-C stops)
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

import copilot
from copilot.capture import CaptureClient
from copilot.events import Event
from copilot.llm import LlmConfig, Task, complete_json, register_task

ERROR = re.compile(
    r"traceback \(most recent call last\)|\b\w*(?:exception|error)\b\s*:|connection refused"
    r"|segmentation fault|core dumped|fatal error|panic:",
    re.I,
)


class Suggestion(Event):
    type: Literal["suggestion"] = "suggestion"
    text: str
    what_it_saw: str


class SuggestionOut(BaseModel):
    text: str


def offline_suggestion(payload: dict[str, Any]) -> dict[str, Any]:
    """Rule-of-thumb advice for the error the screen shows (what a model would phrase better)."""
    seen = payload["text"]
    low = seen.lower()
    port = re.search(r"port (\d+)|:(\d{2,5})\b", seen)
    where = f" on port {port.group(1) or port.group(2)}" if port else ""
    if re.search(r"connection\s*refused", low):
        text = f"Nothing is listening{where}: check that the service is running and reachable."
    elif "segmentation fault" in low or "core dumped" in low:
        text = "A native crash: rerun under gdb (or python -X faulthandler) to get a backtrace."
    else:
        name = re.search(r"\b(\w*(?:Exception|Error))\b", seen)
        what = name.group(1) if name else "an error"
        text = f"The screen shows {what}: the last line of the trace says what failed; "
        text += "the frame above it is where to look."
    return {"text": text}


register_task(
    Task(
        "screen_suggestion",
        "input.text is what is on the user's screen (description and OCR text) and shows an "
        "error or stack trace. Suggest one concrete next step in one short sentence.",
        SuggestionOut,
        offline_suggestion,
    )
)


def error_seen(ev) -> str | None:
    """The error lines of a visual index event, or None when the screen shows no error."""
    # the OCR lines first (ocr_text; source_text in older logs), else the description
    for text in (ev.ocr_text or ev.source_text, ev.text):
        lines = [ln.strip() for ln in (text or "").splitlines() if ERROR.search(ln)]
        if lines:
            return " / ".join(dict.fromkeys(lines))
    return None


def phrase(what: str, llm: LlmConfig) -> str:
    """The suggestion's wording: the configured model, or the offline rules above."""
    return complete_json(
        None, SuggestionOut, task="screen_suggestion", payload={"text": what}, config=llm
    ).value.text


async def help_with_screen(cap, llm: LlmConfig) -> list[Event]:
    """Follow the session's visual index; one suggestion per distinct error screen."""
    sent: list[Event] = []
    seen: set[str] = set()
    async for ev in cap.events(types=["index"]):
        if ev.index_type != "visual" or not (what := error_seen(ev)) or what in seen:
            continue
        seen.add(what)
        text = await asyncio.to_thread(phrase, what, llm)
        draft = Suggestion(
            capture_session_id=cap.id,
            rtstream_id=ev.rtstream_id,
            channel=ev.channel,
            start=ev.start,
            end=ev.end,
            text=text,
            what_it_saw=what,
        )
        sent.append(await asyncio.to_thread(cap.emit, draft))
        print(f"[{ev.start:6.1f}] suggestion: {text}  (saw: {what})", flush=True)
    return sent


def render_slides(folder: Path) -> Path:
    """A short replay: agenda, a stack trace at 3 s, a chart, a closing slide."""
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 36)
    except OSError:
        font = ImageFont.load_default()
    slides = {
        "0000.0": "Agenda\nQuarterly budget review\nMobile release status",
        "0003.0": 'Traceback (most recent call last):\n  File "app.py", line 42, in main\n'
        "    db.connect()\nConnectionRefusedError: connection refused on port 5432",
        "0006.0": "Q3 revenue by region\nEurope 41%   Americas 37%   Asia 22%",
        "0009.0": "Thank you\nNext review in two weeks",
    }
    for name, text in slides.items():
        img = Image.new("RGB", (1280, 720), "white")
        ImageDraw.Draw(img).multiline_text((60, 220), text, fill="black", font=font, spacing=18)
        img.save(folder / f"{name}.png")
    return folder


async def run(conn, display: Any, llm: LlmConfig) -> list[Event]:
    conn.register_event_type(Suggestion)
    cap = conn.create_capture_session(end_user_id="screen-helper", metadata={"app": "screen"})
    client = CaptureClient(client_token=conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(
        capture_session_id=cap.id,
        channels=[display],
        stop_when_sources_end=isinstance(display, dict),
    )
    for rts in cap.get_rtstream("display"):
        rts.index_visuals(batch_config={"type": "time", "value": 1, "frame_count": 1})
    try:
        return await help_with_screen(cap, llm)
    finally:
        await client.shutdown()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--display", help="a screen ('1') or a folder of timed images")
    p.add_argument("--speed", default="max", help="folder replay pace: 1 or max")
    p.add_argument("--llm-model", help="a litellm model to phrase suggestions (default offline)")
    args = p.parse_args(argv)
    llm = LlmConfig(model=args.llm_model) if args.llm_model else LlmConfig()
    with tempfile.TemporaryDirectory() as tmp, copilot.connect() as conn:
        src = args.display or str(render_slides(Path(tmp)))
        display = (
            {"channel_id": "display:file", "path": src, "speed": args.speed}
            if Path(src).exists()
            else f"display:{src}"
        )
        try:
            sent = asyncio.run(run(conn, display, llm))
        except KeyboardInterrupt:
            sent = []
    print(f"{len(sent)} suggestion(s)")


if __name__ == "__main__":
    main()
