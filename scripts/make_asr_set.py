#!/usr/bin/env python3
"""Make bench/asr_set/: a held-out two-channel meeting for measuring transcript accuracy.

Written before any ASR tuning and never to be tuned on (bench/asr.py reports it beside the
sample meeting). It is harder than the sample on purpose, the way real calls are: six
espeak-ng voices with different accents and speeds (135-185 words per minute), speakers at
different levels, a fan and an air-conditioning stretch on the room microphone, keyboard
clicks between turns, a line hiss and a noisy stretch on the far end; names that sound like
words (Mei, Priya, Tomasz, Aisha, Rahul) and numbers said every way people say them
(percentages, amounts, dates, versions, a phone number and a card number read digit by digit).

    python scripts/make_asr_set.py [--out DIR]      # needs espeak-ng and sox

Writes mic.ogg and system_audio.ogg (16 kHz mono Ogg Vorbis on one timeline) and
reference.json (per utterance: channel, speaker, voice, words per minute, text as said, start,
end; plus the participants). The output is deterministic for a given espeak-ng and sox: noise
comes from a seeded generator.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 16000
SEED = 20261202
MASTER = 0.8  # headroom: no speaker clips
#: speaker: (channel, espeak-ng voice, words per minute, level)
VOICES = {
    "Mei": ("mic", "en-us+f2", 150, 1.0),
    "Daniel": ("mic", "en-gb-x-gbcwmd", 175, 0.7),  # in the room, further from the mic
    "Priya": ("system_audio", "en-gb+f4", 135, 0.9),
    "Tomasz": ("system_audio", "en-gb-scotland+m3", 165, 1.0),
    "Aisha": ("system_audio", "en-029+f3", 185, 0.8),
    "Jonas": ("system_audio", "en-us-nyc+m2", 145, 0.55),  # a quiet line
}
#: How espeak-ng should say the names; the reference keeps the real spelling.
SAY = {"Mei": "May", "Priya": "Preeya", "Tomasz": "Tomash", "Aisha": "Ayeesha", "Rahul": "Rahool"}
#: (speaker, text, gap in seconds before the turn)
SCRIPT: list[tuple[str, str, float]] = [
    ("Mei", "Hi everyone, this is Mei. Let's get started with the launch review for the Atlas "
     "project.", 1.2),
    ("Priya", "Hi Mei, Priya here. Tomasz and Aisha are on the call with me, and Jonas should "
     "join in a minute.", 0.8),
    ("Tomasz", "Morning. I have the spending report ready whenever you want it.", 0.7),
    ("Mei", "Great, Tomasz, go ahead with the numbers first.", 0.9),
    ("Tomasz", "We are twelve percent over budget on paid advertising, mostly because of the "
     "search campaign in March.", 0.8),
    ("Mei", "Twelve percent is more than I expected. How much is that in dollars?", 0.9),
    ("Tomasz", "About forty two thousand dollars, out of a total of three hundred and fifty "
     "thousand.", 0.7),
    ("Daniel", "This is Daniel, I'm in the room with Mei. Can we move some of that to the "
     "social budget?", 1.0),
    ("Aisha", "Aisha here. We could cut the display ads by fifteen percent and keep the search "
     "campaign.", 0.8),
    ("Priya", "I agree with Aisha. The display ads brought in only two hundred sign ups last "
     "month.", 0.9),
    ("Jonas", "Sorry I'm late, this is Jonas. I was on another call with the payment "
     "provider.", 1.1),
    ("Mei", "No problem, Jonas. Did they confirm the new rates?", 0.8),
    ("Jonas", "Yes. The fee goes down from two point nine percent to two point four percent on "
     "the first of July.", 0.9),
    ("Mei", "That is good news. Please send me the contract so I can review it before "
     "Thursday.", 0.8),
    ("Jonas", "Will do. I will send it by the end of the day.", 0.7),
    ("Daniel", "While we are on payments, the test card for the checkout demo is four one one "
     "one, one one one one, one one one one, one one one one.", 1.0),
    ("Priya", "Daniel, please don't read card numbers on the call, even test ones. Put them in "
     "the shared vault.", 0.8),
    ("Daniel", "Fair point, sorry about that.", 0.7),
    ("Mei", "Let's talk about the release date. Aisha, where is the mobile app?", 1.0),
    ("Aisha", "Version three point two is in review. We fixed eighteen bugs this week and "
     "seven are still open.", 0.8),
    ("Aisha", "The crash rate dropped to zero point four percent, which is the lowest since "
     "January.", 0.6),
    ("Mei", "Excellent. Can we still launch on the fourteenth of June?", 0.9),
    ("Aisha", "I think so, if the app store review takes less than five days.", 0.7),
    ("Tomasz", "Marketing needs at least ten days of notice for the launch email to forty "
     "thousand customers.", 0.9),
    ("Priya", "Then we should decide by the end of next week. I will put a meeting on the "
     "calendar for Friday at two thirty.", 0.8),
    ("Mei", "Good. Priya, can you also invite Rahul from the support team?", 0.9),
    ("Priya", "Sure. His number is zero seven seven zero, nine double zero, one two three.", 0.8),
    ("Jonas", "Another thing. The support queue had one thousand two hundred tickets in May, "
     "up from nine hundred in April.", 1.0),
    ("Daniel", "That is a thirty three percent increase. Do we know why?", 0.8),
    ("Jonas", "Most of them are about password resets after the login change.", 0.7),
    ("Mei", "Then the fix for the login page should be our top priority for the next sprint.",
     0.9),
    ("Aisha", "Agreed. I will ask Priya's team to pick it up on Monday.", 0.8),
    ("Tomasz", "One more budget item. The conference in Berlin will cost eighteen thousand "
     "five hundred euros for the booth.", 1.1),
    ("Mei", "Is that within the events budget?", 0.8),
    ("Tomasz", "Yes, we have twenty five thousand left for the second half of the year.", 0.7),
    ("Priya", "I would like to bring four people from my team, if that is possible.", 0.9),
    ("Mei", "Four is fine. Please book the flights before the twentieth so prices stay low.",
     0.8),
    ("Daniel", "Mei, should we also review the hiring plan today?", 1.0),
    ("Mei", "Let's keep it short. We have two open roles, a designer and a data analyst.", 0.8),
    ("Aisha", "I interviewed three candidates for the designer role. The second one was very "
     "strong.", 0.9),
    ("Jonas", "For the analyst role, we got sixty applications in the first week.", 0.8),
    ("Mei", "Great. Jonas, please shortlist five of them by Wednesday.", 0.8),
    ("Daniel", "Can I add one point about the data migration? We moved two point three "
     "million records over the weekend.", 1.0),
    ("Aisha", "Were there any errors?", 0.7),
    ("Daniel", "Only forty one records failed, and we fixed them by hand on Sunday evening.", 0.8),
    ("Tomasz", "What did the migration cost in cloud fees?", 0.9),
    ("Daniel", "Roughly six thousand four hundred dollars, which is half of what we planned.",
     0.8),
    ("Mei", "Nice. Priya, does the security audit still start on the third of August?", 0.9),
    ("Priya", "It does. The auditors need access for nine days, and they asked for a list of "
     "every admin account.", 0.9),
    ("Jonas", "I can export that list. We have twenty seven admin accounts right now, which is "
     "too many.", 0.8),
    ("Mei", "Let's remove the ones nobody has used in ninety days before the audit.", 0.8),
    ("Aisha", "I will check with Tomasz which of them belong to the agency.", 0.7),
    ("Tomasz", "Three of them are from the agency, and one belongs to a contractor who left in "
     "February.", 0.8),
    ("Mei", "Thanks. Jonas, please share the export with Priya by Tuesday.", 0.8),
    ("Priya", "Before we finish, the customer survey came back. Our satisfaction score is "
     "eighty seven out of one hundred.", 1.0),
    ("Tomasz", "That is up from eighty one last quarter, so the new onboarding is working.",
     0.7),
    ("Mei", "Good work, everyone. To recap, Tomasz moves fifteen percent of the display budget "
     "to search, Jonas sends the contract, and Priya books the Friday meeting.", 1.0),
    ("Aisha", "And I will send the release notes for version three point two tomorrow "
     "morning.", 0.8),
    ("Daniel", "Thanks Mei. Talk to you all next week.", 0.9),
    ("Priya", "Bye everyone.", 0.7),
]  # fmt: skip
NOISE = {
    # channel: constant floor (RMS), then (start s, end s, RMS, colour) stretches
    "mic": (0.0025, [(95.0, 185.0, 0.009, "pink")]),  # a fan, then air conditioning
    "system_audio": (0.0015, [(200.0, 265.0, 0.02, "pink")]),  # line hiss, then a bad line
}
CLICKS = 40  # keyboard clicks on the mic, between turns


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768


def write_wav(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def synth(text: str, voice: str, wpm: int, tmp: Path) -> np.ndarray:
    """``text`` spoken by espeak-ng, 16 kHz mono, leading and trailing silence trimmed."""
    for word, hint in SAY.items():
        text = text.replace(word, hint)
    raw, out = tmp / "raw.wav", tmp / "utt.wav"
    run("espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text)
    run(
        "sox", "-R", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
        "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
    )  # fmt: skip
    return read_wav(out)


def coloured_noise(n: int, rms: float, colour: str, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n)
    if colour != "white":
        spectrum = np.fft.rfft(white)
        f = np.arange(spectrum.size, dtype=np.float64)
        f[0] = 1.0
        spectrum /= f if colour == "brown" else np.sqrt(f)
        white = np.fft.irfft(spectrum, n)
    return (white / (np.sqrt(np.mean(white**2)) + 1e-12) * rms).astype(np.float32)


def add_noise(track: np.ndarray, channel: str, rng: np.random.Generator) -> None:
    floor, stretches = NOISE[channel]
    track += coloured_noise(track.size, floor, "brown" if channel == "mic" else "white", rng)
    for start, end, rms, colour in stretches:
        a, b = int(start * RATE), min(track.size, int(end * RATE))
        if a < b:
            ramp = np.minimum(1.0, np.minimum(np.arange(b - a), np.arange(b - a)[::-1]) / RATE)
            track[a:b] += coloured_noise(b - a, rms, colour, rng) * ramp.astype(np.float32)


def add_clicks(track: np.ndarray, gaps: list[tuple[float, float]], rng: np.random.Generator):
    """Short decaying clicks (a keyboard) inside the silent gaps between the mic's turns."""
    usable = [(a, b) for a, b in gaps if b - a > 0.4]
    for _ in range(CLICKS):
        a, b = usable[rng.integers(len(usable))]
        at = int(rng.uniform(a + 0.1, b - 0.1) * RATE)
        n = int(0.012 * RATE)
        click = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.002 * RATE)) * 0.15
        track[at : at + n] += click[: track.size - at].astype(np.float32)


def build(out_dir: Path) -> dict:
    rng = np.random.default_rng(SEED)
    out_dir.mkdir(parents=True, exist_ok=True)
    utterances: list[dict] = []
    clips: list[tuple[str, int, np.ndarray]] = []
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        t = 0.0
        for speaker, text, gap in SCRIPT:
            channel, voice, wpm, level = VOICES[speaker]
            audio = synth(text, voice, wpm, tmp) * level * MASTER
            start = round(t + gap, 3)
            end = round(start + audio.size / RATE, 3)
            clips.append((channel, round(start * RATE), audio))
            utterances.append(
                {"channel": channel, "speaker": speaker, "voice": voice, "wpm": wpm,
                 "text": text, "start": start, "end": end}
            )  # fmt: skip
            t = end
        total = round(t + 1.5, 3)
        tracks = {ch: np.zeros(int(total * RATE), np.float32) for ch in NOISE}
        for channel, at, audio in clips:
            tracks[channel][at : at + audio.size] += audio
        mic_turns = [(u["start"], u["end"]) for u in utterances if u["channel"] == "mic"]
        gaps = [(a[1], b[0]) for a, b in itertools.pairwise(mic_turns)]
        for channel, track in tracks.items():
            add_noise(track, channel, rng)
            if channel == "mic":
                add_clicks(track, gaps, rng)
            write_wav(tmp / f"{channel}.wav", track)
            run(
                "sox", "-R", str(tmp / f"{channel}.wav"), "-C", "3", str(out_dir / f"{channel}.ogg")
            )
    ref = {
        "description": "Held-out ASR set made by scripts/make_asr_set.py; never tune on it",
        "sample_rate": RATE,
        "duration": total,
        "participants": sorted(VOICES),
        "channels": {
            ch: {
                "file": f"{ch}.ogg",
                "speakers": sorted({u["speaker"] for u in utterances if u["channel"] == ch}),
            }
            for ch in NOISE
        },
        "utterances": utterances,
    }
    (out_dir / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    return ref


def main() -> None:
    default_out = Path(__file__).resolve().parent.parent / "bench" / "asr_set"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install -y espeak-ng sox")
    ref = build(args.out)
    speech = sum(u["end"] - u["start"] for u in ref["utterances"])
    words = sum(len(u["text"].split()) for u in ref["utterances"])
    print(
        f"wrote {args.out}: {len(ref['utterances'])} utterances, {words} words, "
        f"{speech:.0f} s of speech in {ref['duration']:.0f} s"
    )


if __name__ == "__main__":
    main()
