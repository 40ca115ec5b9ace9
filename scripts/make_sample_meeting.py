#!/usr/bin/env python3
"""Make the sample meeting shipped in copilot/data/sample_meeting/ (needs espeak-ng and sox).

Two channels on one timeline, like a real call: "mic" is the local user (one voice),
"system_audio" is the far end (two other voices). Turns alternate with short gaps; a few turns
hold an in-sentence pause (tests the VAD hangover). The script has action items, a decision
and one sensitive moment (a password read aloud) for the plugins to find.

    python scripts/make_sample_meeting.py [--out DIR]

Writes mic.ogg, system_audio.ogg (16 kHz mono Ogg Vorbis) and reference.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

RATE = 16000
VOICES = {  # speaker: (channel, espeak-ng voice, words per minute), picked for Whisper tiny.en
    "Alex": ("mic", "en-us+m3", 140),
    "Priya": ("system_audio", "en-gb+f3", 140),
    "Marcus": ("system_audio", "en-gb-x-rp", 140),
}
SAY = {
    "Priya": "Preya",
    " by ": " bye ",
}  # spelling hints for espeak-ng; the reference keeps the real words
# (speaker, text, gap in seconds before the turn starts)
SCRIPT: list[tuple[str, str, float]] = [
    ("Alex", "Good morning everyone, thanks for joining the weekly planning call.", 1.5),
    ("Priya", "Morning Alex. I have the latest numbers for this quarter.", 0.8),
    ("Marcus", "Hi all. I can give a quick update on the mobile release.", 0.7),
    ("Alex", "Great. Let us start with the budget. Priya, where are we?", 0.9),
    (
        "Priya",
        "We are slightly over on marketing this quarter. "
        "Priya will send the revised budget by Friday.",
        0.8,
    ),
    ("Alex", "Thanks. Marcus, how is the release going?", 0.9),
    (
        "Marcus",
        "The new build is stable. We fixed the login problem yesterday, "
        "and the crash rate is very low.",
        0.8,
    ),
    (
        "Alex",
        "Good. Then we have decided to launch the new version at the end of next month.",
        1.0,
    ),
    (
        "Marcus",
        "Before I forget, I need to reset the test account. "
        "The admin password is purple elephant river.",
        0.9,
    ),
    (
        "Priya",
        "Please do not read passwords out on a call. Put it in the password manager instead.",
        0.8,
    ),
    (
        "Alex",
        "So, the action items. Marcus will update the release notes by Wednesday, "
        "and I will book the review meeting with the design team.",
        1.0,
    ),
    ("Priya", "One more thing. Could someone share the slides from last week?", 0.9),
    ("Alex", "Sure, I will share the slides after this call.", 0.8),
    ("Marcus", "Thanks Alex, see you all next week.", 0.8),
]
ACTION_ITEMS = [
    {"owner": "Priya", "text": "send the revised budget", "due": "Friday"},
    {"owner": "Marcus", "text": "update the release notes", "due": "Wednesday"},
    {"owner": "Alex", "text": "book the review meeting with the design team", "due": None},
    {"owner": "Alex", "text": "share the slides", "due": "today"},  # "after this call"
]
DECISIONS = ["launch the new version at the end of next month"]
SENSITIVE = [{"speaker": "Marcus", "kind": "password", "value": "purple elephant river"}]


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def duration(path: Path) -> float:
    out = subprocess.run(["soxi", "-D", str(path)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def synth(text: str, voice: str, wpm: int, out: Path, tmp: Path) -> float:
    """Speak ``text`` into a 16 kHz mono WAV trimmed of leading/trailing silence."""
    raw = tmp / "raw.wav"
    for word, hint in SAY.items():
        text = text.replace(word, hint)
    run("espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text)
    run(
        "sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
        "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
    )  # fmt: skip
    return duration(out)


def build(out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        pieces: dict[str, list[tuple[float, Path]]] = {"mic": [], "system_audio": []}
        utterances = []
        t = 0.0
        for i, (speaker, text, gap) in enumerate(SCRIPT):
            channel, voice, wpm = VOICES[speaker]
            wav = tmp / f"utt{i:02d}.wav"
            dur = synth(text, voice, wpm, wav, tmp)
            start = round(t + gap, 3)
            pieces[channel].append((start, wav))
            utterances.append(
                {
                    "channel": channel,
                    "speaker": speaker,
                    "voice": voice,
                    "text": text,
                    "start": start,
                    "end": round(start + dur, 3),
                }
            )
            t = start + dur
        total = round(t + 1.5, 3)
        files = {}
        for channel, items in pieces.items():
            files[channel] = f"{channel}.ogg"
            mix_channel(items, total, tmp / f"{channel}.wav")
            run(
                "sox", str(tmp / f"{channel}.wav"), "-C", "3",
                str(out_dir / files[channel]),
            )  # fmt: skip
    ref = {
        "description": "Sample meeting for demos and tests, made by scripts/make_sample_meeting.py",
        "sample_rate": RATE,
        "duration": total,
        "channels": {
            ch: {
                "file": f,
                "speakers": sorted({u["speaker"] for u in utterances if u["channel"] == ch}),
            }
            for ch, f in files.items()
        },
        "utterances": utterances,
        "action_items": ACTION_ITEMS,
        "decisions": DECISIONS,
        "sensitive": SENSITIVE,
    }
    (out_dir / "reference.json").write_text(json.dumps(ref, indent=2) + "\n")
    return ref


def mix_channel(items: list[tuple[float, Path]], total: float, out: Path) -> None:
    """Lay utterances on a silent track at their start times (one timeline for both channels)."""
    parts: list[str] = []
    cursor = 0.0
    for k, (start, wav) in enumerate(items):
        gap = start - cursor
        sil = out.parent / f"{out.stem}_sil{k}.wav"
        run(
            "sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(sil), "trim", "0", f"{gap:.4f}"
        )
        parts += [str(sil), str(wav)]
        cursor = start + duration(wav)
    tail = out.parent / f"{out.stem}_tail.wav"
    run(
        "sox",
        "-n",
        "-r",
        str(RATE),
        "-c",
        "1",
        "-b",
        "16",
        str(tail),
        "trim",
        "0",
        f"{total - cursor:.4f}",
    )
    run("sox", *parts, str(tail), str(out))


def main() -> None:
    default_out = Path(__file__).resolve().parent.parent / "copilot" / "data" / "sample_meeting"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    for tool in ("espeak-ng", "sox", "soxi"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install -y espeak-ng sox")
    ref = build(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    n = len(ref["utterances"])
    print(f"wrote {args.out}: {n} utterances, {ref['duration']:.1f} s, {size} bytes")


if __name__ == "__main__":
    main()
