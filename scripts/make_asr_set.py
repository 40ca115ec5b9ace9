#!/usr/bin/env python3
"""Make bench/asr_set/ (held out) and bench/asr_dev/ (for tuning): two-channel meetings for
measuring transcript accuracy.

The held-out set was written before any ASR tuning and is never tuned on (bench/asr.py
reports it beside the sample meeting and the tuning set). It is harder than the sample on
purpose, the way real calls are: six espeak-ng voices with different accents and speeds
(135-185 words per minute), speakers at different levels, a fan and an air-conditioning
stretch on the room microphone, keyboard clicks between turns, a line hiss and a noisy
stretch on the far end; names that sound like words (Mei, Priya, Tomasz, Aisha, Rahul) and
numbers said every way people say them (percentages, amounts, dates, versions, a phone
number and a card number read digit by digit).

    python scripts/make_asr_set.py [--set heldout|dev] [--out DIR]   # needs espeak-ng and sox

The tuning set (``--set dev``) is made the same way with other voices, speeds, names, numbers
and noise, so ASR settings can be chosen on it without looking at the held-out cases.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000
MASTER = 0.8  # headroom: no speaker clips
CHANNELS = ("mic", "system_audio")


@dataclass(frozen=True)
class Meeting:
    """What to say, by whom, over which noise."""

    description: str
    seed: int
    #: speaker: (channel, espeak-ng voice, words per minute, level)
    voices: dict[str, tuple[str, str, int, float]]
    #: how espeak-ng should say the names; the reference keeps the real spelling
    say: dict[str, str]
    #: (speaker, text, gap in seconds before the turn)
    script: list[tuple[str, str, float]]
    #: channel: (constant floor RMS, [(start s, end s, RMS, colour)] stretches)
    noise: dict[str, tuple[float, list[tuple[float, float, float, str]]]]
    clicks: int  # keyboard clicks on the mic, between turns


SEED = 20261202
VOICES = {
    "Mei": ("mic", "en-us+f2", 150, 1.0),
    "Daniel": ("mic", "en-gb-x-gbcwmd", 175, 0.7),  # in the room, further from the mic
    "Priya": ("system_audio", "en-gb+f4", 135, 0.9),
    "Tomasz": ("system_audio", "en-gb-scotland+m3", 165, 1.0),
    "Aisha": ("system_audio", "en-029+f3", 185, 0.8),
    "Jonas": ("system_audio", "en-us-nyc+m2", 145, 0.55),  # a quiet line
}
SAY = {"Mei": "May", "Priya": "Preeya", "Tomasz": "Tomash", "Aisha": "Ayeesha", "Rahul": "Rahool"}
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
    "mic": (0.0025, [(95.0, 185.0, 0.009, "pink")]),  # a fan, then air conditioning
    "system_audio": (0.0015, [(200.0, 265.0, 0.02, "pink")]),  # line hiss, then a bad line
}
HELDOUT = Meeting(
    "Held-out ASR set made by scripts/make_asr_set.py; never tune on it",
    SEED, VOICES, SAY, SCRIPT, NOISE, clicks=40,
)  # fmt: skip

DEV = Meeting(
    "ASR tuning set made by scripts/make_asr_set.py --set dev (tune on this, not the held-out)",
    seed=7031,
    voices={
        "Priya": ("mic", "en-gb-x-rp+f5", 160, 1.0),
        "Oliver": ("mic", "en-us+m4", 170, 0.7),
        "Mei": ("system_audio", "en-us-nyc+f1", 140, 0.9),
        "Kwame": ("system_audio", "en-029+m5", 155, 1.0),
        "Sofia": ("system_audio", "en-gb-x-gbclan+f2", 175, 0.6),
        "Hiroshi": ("system_audio", "en-gb+m7", 145, 1.0),
    },
    say={"Mei": "May", "Priya": "Preeya", "Kwame": "Kwahmeh"},
    script=[
        ("Priya", "Good afternoon, this is Priya. Thanks for dialling in to the infrastructure "
         "planning call.", 1.0),
        ("Mei", "Hi Priya, it's Mei. Kwame and Sofia are here, and Hiroshi is joining from "
         "Tokyo.", 0.8),
        ("Kwame", "Hello everyone. I sent the capacity report this morning, it is eleven pages "
         "long.", 0.8),
        ("Priya", "Thanks Kwame. What is the headline?", 0.9),
        ("Kwame", "We are using seventy eight percent of the storage cluster, up from sixty one "
         "percent in January.", 0.7),
        ("Oliver", "Oliver here, sitting with Priya. At that rate we run out of space by the end "
         "of September.", 1.0),
        ("Sofia", "We could archive the old logs. That would free about forty terabytes.", 0.8),
        ("Hiroshi", "Hiroshi speaking. Archiving costs two cents per gigabyte per month, so "
         "roughly eight hundred dollars.", 0.9),
        ("Priya", "That sounds reasonable. Mei, can you get approval for the archive budget?",
         0.8),
        ("Mei", "Yes, I will ask finance on Tuesday. Is eight hundred the monthly figure?", 0.9),
        ("Hiroshi", "Yes, eight hundred a month, or nine thousand six hundred for the year.", 0.7),
        ("Oliver", "For the new servers, the quote came in at one hundred and twenty thousand "
         "pounds.", 1.0),
        ("Kwame", "That is fifteen percent higher than last year's quote.", 0.8),
        ("Priya", "Let's ask for a second quote before we decide.", 0.8),
        ("Sofia", "I can call the other vendor. Their support line is zero eight hundred, five "
         "five five, zero one nine nine.", 0.9),
        ("Mei", "While you're at it, the corporate card for the purchase is five four five four, "
         "five four five four, five four five four, five four five four.", 1.0),
        ("Priya", "Mei, please don't read the card number out loud. Send it through the secure "
         "form.", 0.8),
        ("Mei", "You're right, sorry.", 0.7),
        ("Hiroshi", "On the network side, latency from Tokyo dropped to one hundred and forty "
         "milliseconds after the upgrade.", 1.0),
        ("Oliver", "That is almost half of what it was in May.", 0.8),
        ("Priya", "Great. When is the next maintenance window?", 0.9),
        ("Kwame", "Saturday the ninth of August, from two a.m. to six a.m.", 0.8),
        ("Sofia", "We need to notify about three thousand five hundred customers at least forty "
         "eight hours before.", 0.8),
        ("Mei", "I will draft the notice and send it to Sofia by Thursday.", 0.9),
        ("Priya", "Good. Hiroshi, how many incidents did we have last month?", 0.8),
        ("Hiroshi", "Nine incidents, two of them severe. Both were fixed within an hour.", 0.8),
        ("Oliver", "Our uptime was ninety nine point nine five percent for the quarter.", 1.0),
        ("Priya", "Excellent. Let's wrap up. Kwame gets the second quote, Mei handles the notice, "
         "and Sofia calls the vendor.", 0.9),
        ("Kwame", "Sounds good. Thanks Priya.", 0.7),
        ("Sofia", "Bye everyone, speak next week.", 0.8),
    ],
    noise={
        "mic": (0.003, [(60.0, 120.0, 0.01, "pink")]),
        "system_audio": (0.002, [(140.0, 190.0, 0.018, "pink")]),
    },
    clicks=30,
)  # fmt: skip
SETS = {"heldout": (HELDOUT, "asr_set"), "dev": (DEV, "asr_dev")}


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


def synth(text: str, voice: str, wpm: int, say: dict[str, str], tmp: Path) -> np.ndarray:
    """``text`` spoken by espeak-ng, 16 kHz mono, leading and trailing silence trimmed."""
    for word, hint in say.items():
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


def add_noise(track: np.ndarray, meeting: Meeting, channel: str, rng: np.random.Generator):
    floor, stretches = meeting.noise[channel]
    track += coloured_noise(track.size, floor, "brown" if channel == "mic" else "white", rng)
    for start, end, rms, colour in stretches:
        a, b = int(start * RATE), min(track.size, int(end * RATE))
        if a < b:
            ramp = np.minimum(1.0, np.minimum(np.arange(b - a), np.arange(b - a)[::-1]) / RATE)
            track[a:b] += coloured_noise(b - a, rms, colour, rng) * ramp.astype(np.float32)


def add_clicks(track: np.ndarray, gaps: list[tuple[float, float]], n_clicks: int, rng):
    """Short decaying clicks (a keyboard) inside the silent gaps between the mic's turns."""
    usable = [(a, b) for a, b in gaps if b - a > 0.4]
    for _ in range(n_clicks):
        a, b = usable[rng.integers(len(usable))]
        at = int(rng.uniform(a + 0.1, b - 0.1) * RATE)
        n = int(0.012 * RATE)
        click = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.002 * RATE)) * 0.15
        track[at : at + n] += click[: track.size - at].astype(np.float32)


def build(meeting: Meeting, out_dir: Path) -> dict:
    rng = np.random.default_rng(meeting.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    utterances: list[dict] = []
    clips: list[tuple[str, int, np.ndarray]] = []
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        t = 0.0
        for speaker, text, gap in meeting.script:
            channel, voice, wpm, level = meeting.voices[speaker]
            audio = synth(text, voice, wpm, meeting.say, tmp) * level * MASTER
            start = round(t + gap, 3)
            end = round(start + audio.size / RATE, 3)
            clips.append((channel, round(start * RATE), audio))
            utterances.append(
                {"channel": channel, "speaker": speaker, "voice": voice, "wpm": wpm,
                 "text": text, "start": start, "end": end}
            )  # fmt: skip
            t = end
        total = round(t + 1.5, 3)
        tracks = {ch: np.zeros(int(total * RATE), np.float32) for ch in CHANNELS}
        for channel, at, audio in clips:
            tracks[channel][at : at + audio.size] += audio
        mic_turns = [(u["start"], u["end"]) for u in utterances if u["channel"] == "mic"]
        gaps = [(a[1], b[0]) for a, b in itertools.pairwise(mic_turns)]
        for channel, track in tracks.items():
            add_noise(track, meeting, channel, rng)
            if channel == "mic":
                add_clicks(track, gaps, meeting.clicks, rng)
            write_wav(tmp / f"{channel}.wav", track)
            run(
                "sox", "-R", str(tmp / f"{channel}.wav"), "-C", "3", str(out_dir / f"{channel}.ogg")
            )
    ref = {
        "description": meeting.description,
        "sample_rate": RATE,
        "duration": total,
        "participants": sorted(meeting.voices),
        "channels": {
            ch: {
                "file": f"{ch}.ogg",
                "speakers": sorted({u["speaker"] for u in utterances if u["channel"] == ch}),
            }
            for ch in CHANNELS
        },
        "utterances": utterances,
    }
    (out_dir / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    return ref


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="heldout")
    parser.add_argument("--out", type=Path, help="default: bench/asr_set or bench/asr_dev")
    args = parser.parse_args()
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install -y espeak-ng sox")
    meeting, folder = SETS[args.set]
    out = args.out or Path(__file__).resolve().parent.parent / "bench" / folder
    ref = build(meeting, out)
    speech = sum(u["end"] - u["start"] for u in ref["utterances"])
    words = sum(len(u["text"].split()) for u in ref["utterances"])
    print(
        f"wrote {out}: {len(ref['utterances'])} utterances, {words} words, "
        f"{speech:.0f} s of speech in {ref['duration']:.0f} s"
    )


if __name__ == "__main__":
    main()
