"""Render a multi-scene screen recording (timed PNGs) with its truth, for bench/screen.py.

Ten scenes of a desktop at 1920×1080 — slides, a spreadsheet, a terminal with a stack trace, an
editor, a browser, a chat, email, a document, an admin console, a video call — in a shuffled
order, 6–11 s each, starting at fractional seconds. Within a scene a panel clock ticks every
second and a text cursor blinks (frames below the change threshold: one scene must stay one
scene). Secrets (fake keys and passwords, random per seed) sit in three scenes.

Variants: "tune" is what the screen pipeline was tuned on; "heldout" has other texts (see
screen_content.py), other themes and layouts drawn from another seed, and is only measured.

Output folder: `<t>.png` per frame (the replay naming of copilot/vision/replay.py; the last
frame repeats at the end time, so the replay lasts exactly `duration`) and `truth.json`:
  {"variant", "seed", "size", "duration", "scenes": [{"index", "kind", "title", "start", "end",
   "texts": [{"text", "box", "role"}], "words": [...], "secrets": [{"kind", "value", "box"}]}]}
`words` are the scene's distinct lower-case alphanumeric tokens of every drawn text except the
clock (it changes every second); `role` is "", "clock" or "secret".

    .venv/bin/python scripts/make_screen_recording.py --variant tune --out /tmp/rec
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

from PIL import ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen_apps import BUILDERS, KINDS
from screen_canvas import THEMES, H, Screen, W, chrome, clock, draw_clock, make_secrets, tokens
from screen_content import BANKS

SEEDS = {"tune": 1501, "heldout": 2718}


def _scene_title(kind: str, entry) -> str:
    return entry[0]


def render_scene(kind: str, variant: str = "tune", seed: int = 0) -> tuple[Screen, dict]:
    """One scene on its own (for tests): the screen (image, texts) and the secrets used."""
    rng = random.Random(seed)
    secrets = make_secrets(rng)
    entry = BANKS[variant][kind]
    if kind == "slides":
        entry = entry[0]
    theme = THEMES["light"]
    scr = Screen(theme["bg"])
    chrome(scr, _scene_title(kind, entry), theme, clock(9 * 3600))
    BUILDERS[kind](scr, rng, entry, theme, secrets)
    return scr, secrets


def generate(out: Path, variant: str = "tune", size: tuple[int, int] = (W, H)) -> dict:
    """Write the recording into `out` (created); returns the truth (also in truth.json)."""
    if variant not in SEEDS:
        raise ValueError(f"variant must be one of {sorted(SEEDS)}, not {variant!r}")
    if size != (W, H):
        raise ValueError(f"only {W}x{H} is rendered")
    rng = random.Random(SEEDS[variant])
    bank = BANKS[variant]
    secrets = make_secrets(rng)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    order = list(KINDS)
    rng.shuffle(order)
    t, scenes, day_start = 0.0, [], rng.randint(8 * 3600, 16 * 3600)
    for index, kind in enumerate(order):
        entry = bank[kind]
        if kind == "slides":
            entry = entry[rng.randrange(len(entry))]
        theme = THEMES[rng.choice(["light", "light", "dark", "sepia"])]
        duration = round(rng.uniform(6.0, 11.0), 1)
        start, end = round(t, 2), round(t + duration, 2)
        scr = Screen(theme["bg"])
        chrome(scr, _scene_title(kind, entry), theme, clock(day_start + start))
        BUILDERS[kind](scr, rng, entry, theme, secrets)
        base = scr.img
        base.save(out / f"{start:07.2f}.png", compress_level=1)
        last = base
        for k, second in enumerate(range(math.floor(start) + 1, math.ceil(end))):
            frame = base.copy()
            tick = Screen.__new__(Screen)
            tick.img, tick.d, tick.texts = frame, ImageDraw.Draw(frame), []
            draw_clock(tick, clock(day_start + second), record=False)
            if scr.cursor is not None and k % 2 == 0:
                tick.d.rectangle(scr.cursor, fill=theme["fg"])
            frame.save(out / f"{second:07.2f}.png", compress_level=1)
            last = frame
        words = sorted({w for tx in scr.texts if tx["role"] != "clock" for w in tokens(tx["text"])})
        scenes.append(
            {
                "index": index,
                "kind": kind,
                "title": _scene_title(kind, entry),
                "start": start,
                "end": end,
                "texts": scr.texts,
                "words": words,
                "secrets": [
                    {"kind": tx["role"].split(":", 1)[1], "value": tx["text"], "box": tx["box"]}
                    for tx in scr.texts
                    if tx["role"].startswith("secret:")
                ],
            }
        )
        t = end
    last.save(out / f"{t:07.2f}.png", compress_level=1)  # hold the last screen until the end
    truth = {
        "variant": variant,
        "seed": SEEDS[variant],
        "size": [W, H],
        "duration": round(t, 2),
        "scenes": scenes,
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", choices=sorted(SEEDS), default="tune")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    truth = generate(args.out, args.variant)
    for s in truth["scenes"]:
        print(f"{s['start']:6.2f}-{s['end']:6.2f}  {s['kind']:<12} {s['title']}")
    print(f"{len(truth['scenes'])} scenes, {truth['duration']} s -> {args.out}")


if __name__ == "__main__":
    main()
