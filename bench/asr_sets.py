"""Test sets and scoring for bench/asr.py: the sample meeting, the tuning set, the held-out
set, the real voices in ../shared/audio; per-channel WER and runaway repeats.

A set is {channel: (16 kHz audio, [reference utterances])} plus the participants (the
vocabulary the refine pass is given). Scores compare each channel's finals, in time order,
with the channel's reference text (so segmentation differences do not count).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from copilot.audio.decode import read_audio_file
from copilot.audio.loops import longest_run
from copilot.audio.wer import word_errors
from copilot.text.numbers import match_form

ROOT = Path(__file__).resolve().parent.parent
SR = 16000
SAMPLE = ROOT / "copilot" / "data" / "sample_meeting"
DEV = ROOT / "bench" / "asr_dev"
HELDOUT = ROOT / "bench" / "asr_set"
SHARED_AUDIO = ROOT.parent / "shared" / "audio"
#: What the real recordings say (jfk: its README; stereo_diarization: faster-whisper's tests).
REAL_TEXT = {
    "jfk": "And so, my fellow Americans, ask not what your country can do for you, ask what "
    "you can do for your country.",
    "left": "He began a confused complaint against the wizard, who had vanished behind the "
    "curtain on the left.",
    "right": "The horizon seems extremely distant.",
}


@dataclass
class TestSet:
    name: str
    channels: dict[str, tuple[np.ndarray, list[dict]]]
    participants: list[str] = field(default_factory=list)
    note: str = ""


def meeting(name: str, folder: Path, *, seconds: float | None = None) -> TestSet:
    """A reference.json meeting (two channels on one timeline); ``seconds`` cuts it short."""
    ref = json.loads((folder / "reference.json").read_text())
    audio = {ch: read_audio_file(folder / m["file"]) for ch, m in ref["channels"].items()}
    n = max(a.size for a in audio.values())
    channels = {}
    for ch, a in audio.items():
        a = np.pad(a, (0, n - a.size))  # codec padding differs between files
        utts = [u for u in ref["utterances"] if u["channel"] == ch]
        if seconds is not None:
            utts = [u for u in utts if u["end"] <= seconds]
            a = a[: int(seconds * SR)]
        channels[ch] = (a, utts)
    people = ref.get("participants") or sorted(
        {s for m in ref["channels"].values() for s in m.get("speakers", [])}
    )
    return TestSet(name, channels, people)


def real_voices() -> TestSet | None:
    """jfk.flac and the two sides of stereo_diarization.wav, each with a second of silence
    around it; None (with a message) when ../shared/audio is not there."""
    jfk, stereo = SHARED_AUDIO / "jfk.flac", SHARED_AUDIO / "stereo_diarization.wav"
    if not (jfk.is_file() and stereo.is_file()):
        print(f"real voices: skipped ({SHARED_AUDIO} has no jfk.flac/stereo_diarization.wav)")
        return None
    from faster_whisper import decode_audio

    left, right = decode_audio(str(stereo), split_stereo=True)
    pad = np.zeros(SR, np.float32)
    channels = {}
    for name, audio in (("jfk", read_audio_file(jfk)), ("left", left), ("right", right)):
        audio = np.concatenate([pad, np.asarray(audio, np.float32), pad])
        ref = {"text": REAL_TEXT[name], "start": 1.0, "end": audio.size / SR - 1.0}
        channels[name] = (audio, [ref])
    return TestSet("real", channels, note="real human speech (../shared/audio)")


def overlapping(refs: list[dict], start: float, end: float) -> list[dict]:
    return [u for u in refs if u["start"] < end + 0.5 and u["end"] > start - 0.5]


def repeats(refs: list[dict], finals: list) -> int:
    """Finals with a word more than 4 times in a row, more than any reference they overlap."""
    bad = 0
    for f in finals:
        run = longest_run(match_form(f.text).split())
        near = overlapping(refs, f.start, f.end)
        allowed = max([4, *(longest_run(match_form(u["text"]).split()) for u in near)])
        bad += run > allowed
    return bad


def channel_wer(refs: list[dict], finals: list) -> tuple[int, int]:
    """(word errors, reference words) of a channel's finals in time order."""
    hyp = " ".join(f.text for f in sorted(finals, key=lambda f: f.start))
    return word_errors(" ".join(u["text"] for u in refs), hyp)
