"""Render the demo's screen track: slides and app screens timed to the sample meeting.

Writes 1280×720 PNGs named by the second they appear (see copilot/vision/replay.py) into
copilot/data/sample_meeting/screens/. Flat colours keep them small. Rerun to regenerate:

    .venv/bin/python scripts/make_demo_screens.py
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

W, H = 1280, 720
SAMPLE = Path(__file__).resolve().parent.parent / "copilot" / "data" / "sample_meeting"
OUT = SAMPLE / "screens"
FAKE_KEY = "sk-proj-4f9XkQ2mZ7rT1vB8nL3sW6yH0cJ5dA2e"  # fake, for the sensitive-content demo


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def canvas(bg: str = "#f4f6fa") -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", (W, H), bg)
    return img, ImageDraw.Draw(img)


def title_bar(d: ImageDraw.ImageDraw, text: str, colour: str = "#1f3a5f") -> None:
    d.rectangle([0, 0, W, 56], fill=colour)
    d.text((24, 12), text, fill="white", font=font(28))


def agenda() -> Image.Image:
    img, d = canvas()
    title_bar(d, "Weekly planning call")
    d.text((80, 110), "Agenda", fill="#1f3a5f", font=font(56))
    items = ["1. Q3 budget review", "2. Mobile release update", "3. Action items", "4. AOB"]
    for i, item in enumerate(items):
        d.text((100, 220 + 80 * i), item, fill="#222222", font=font(40))
    return img


def budget() -> Image.Image:
    img, d = canvas("#ffffff")
    title_bar(d, "Sheets - Q3 Budget.xlsx", "#1e6e3c")
    d.text((40, 76), "Q3 Budget", fill="#1e6e3c", font=font(44))
    rows = [
        ("Department", "Budget", "Actual", "Variance"),
        ("Marketing", "$120,000", "$134,500", "-$14,500"),
        ("Engineering", "$480,000", "$471,200", "$8,800"),
        ("Sales", "$210,000", "$205,900", "$4,100"),
        ("Support", "$95,000", "$93,400", "$1,600"),
        ("Total", "$905,000", "$905,000", "$0"),
    ]
    x0, y0, cw, rh = 40, 150, 300, 70
    for r, row in enumerate(rows):
        y = y0 + r * rh
        fill = "#d9ead3" if r == 0 else ("#fbe4e4" if row[0] == "Marketing" else "#ffffff")
        d.rectangle([x0, y, x0 + 4 * cw, y + rh], fill=fill, outline="#b7b7b7")
        for c, cell in enumerate(row):
            d.line([x0 + c * cw, y, x0 + c * cw, y + rh], fill="#b7b7b7")
            d.text((x0 + c * cw + 16, y + 18), cell, fill="#111111", font=font(30))
    return img


def crash() -> Image.Image:
    img, d = canvas("#2b2b2b")
    title_bar(d, "MobileApp - release build 4.2.0 - crash report", "#444444")
    d.rectangle([140, 110, 1140, 650], fill="#fdfdfd", outline="#c62828", width=4)
    d.rectangle([140, 110, 1140, 170], fill="#c62828")
    d.text((170, 122), "Error: LoginError: session token expired", fill="white", font=font(30))
    trace = [
        "Traceback (most recent call last):",
        '  File "app/auth/login.py", line 88, in sign_in',
        "    token = refresh_session(user)",
        '  File "app/auth/session.py", line 41, in refresh_session',
        "    raise LoginError('session token expired')",
        "LoginError: session token expired",
        "",
        "Crash rate this build: 0.2%",
    ]
    for i, line in enumerate(trace):
        d.text((170, 195 + 50 * i), line, fill="#222222", font=font(28))
    return img


def launch() -> Image.Image:
    img, d = canvas()
    title_bar(d, "Release plan")
    d.text((80, 120), "Launch: new version", fill="#1f3a5f", font=font(56))
    d.text((100, 240), "Target: end of next month", fill="#222222", font=font(40))
    d.text((100, 320), "Release notes: Marcus, by Wednesday", fill="#222222", font=font(40))
    return img


def api_key() -> Image.Image:
    img, d = canvas("#ffffff")
    title_bar(d, "Admin console - API keys", "#5b2c83")
    d.text((60, 100), "Test account settings", fill="#5b2c83", font=font(44))
    d.text((60, 200), "Account: test-admin@example.com", fill="#222222", font=font(32))
    d.text((60, 270), "API key:", fill="#222222", font=font(32))
    d.rectangle([60, 320, 1220, 390], fill="#f1ecf7", outline="#5b2c83", width=2)
    d.text((80, 335), FAKE_KEY, fill="#111111", font=font(34))
    d.text((60, 440), "Password: ********", fill="#222222", font=font(32))
    return img


def actions() -> Image.Image:
    img, d = canvas()
    title_bar(d, "Action items")
    items = [
        "Priya: send the revised budget by Friday",
        "Marcus: update the release notes by Wednesday",
        "Alex: book the review meeting with the design team",
        "Alex: share the slides after this call",
    ]
    for i, item in enumerate(items):
        d.text((80, 130 + 90 * i), "- " + item, fill="#222222", font=font(36))
    return img


def schedule(utterances: list[dict]) -> list[tuple[float, Image.Image]]:
    """Each screen appears as the matching utterance starts (budget, release, password…)."""

    def at(words: str) -> float:
        return next(round(u["start"], 1) for u in utterances if words in u["text"])

    return [
        (0.0, agenda()),
        (at("start with the budget"), budget()),
        (at("how is the release going"), crash()),
        (at("decided to launch"), launch()),
        (at("admin password"), api_key()),
        (at("the action items"), actions()),
    ]


def main() -> None:
    ref = json.loads((SAMPLE / "reference.json").read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    total = 0
    for t, img in schedule(ref["utterances"]):
        path = OUT / f"{t:06.1f}.png"
        img.convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(path, optimize=True)
        total += path.stat().st_size
        print(f"{path.name}  {path.stat().st_size // 1024} KB")
    print(f"total {total // 1024} KB")


if __name__ == "__main__":
    main()
