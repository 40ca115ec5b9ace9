#!/usr/bin/env python3
"""Speakers within one channel: diarization error rate and the CPU it adds per stream.

Generates meetings (espeak-ng voices with their own variant, pitch and speed), ≥ 3 minutes
each, as one system-audio channel: `bench/data/diarization_tuning.json` and the development
meetings `diarization_dev.json` (three voices on one espeak base), `diarization_dev4.json`
(four voices), `diarization_dev2.json` (two close voices), on which thresholds were chosen,
and the held-out three-voice `diarization_heldout.json`, never used to choose anything, and
`diarization_heldout2.json`, written after the first had been looked at (see its "about").
Each is fed in 20 ms chunks the way the live path sees it: webrtcvad (the transcript's
segmenter) cuts utterances and each one is labelled by `copilot.audio.diarize.Diarization` the
moment it ends. Reference turns come from the generator. DER = (missed + false alarm +
confusion) / reference speech, with the best one-to-one mapping of labels, at 10 ms
resolution, reported with no collar and with a 0.25 s collar around reference boundaries (the
usual NIST scoring). CPU is the process time spent in `feed` + `label` over the audio's
duration (fraction of one core, one stream). /work/shared/audio/stereo_diarization.wav (two
real voices, one per channel) and jfk.flac are real-voice checks when present.

    python bench/diarization.py [--sets tuning,dev,dev4,dev2,held_out,held_out2]

Prints human lines, then ONE JSON object as the last line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from copilot.audio.diarize import Diarization  # noqa: E402
from copilot.audio.vad import UtteranceEnded, VadSegmenter  # noqa: E402
from copilot.audio.voice_embedding import shared_encoder  # noqa: E402

SR = 16000
CHUNK = 320  # 20 ms
STEP = 0.01  # DER resolution
SETS = {
    "tuning": ROOT / "bench" / "data" / "diarization_tuning.json",
    "dev": ROOT / "bench" / "data" / "diarization_dev.json",
    "dev4": ROOT / "bench" / "data" / "diarization_dev4.json",
    "dev2": ROOT / "bench" / "data" / "diarization_dev2.json",
    "held_out": ROOT / "bench" / "data" / "diarization_heldout.json",
    "held_out2": ROOT / "bench" / "data" / "diarization_heldout2.json",
}
REAL = ROOT.parent / "shared" / "audio" / "stereo_diarization.wav"
JFK = ROOT.parent / "shared" / "audio" / "jfk.flac"


def speak(text: str, voice: dict, work: Path) -> np.ndarray:
    path = work / "say.wav"
    args = ["-v", voice["voice"], "-p", str(voice["pitch"]), "-s", str(voice["speed"])]
    subprocess.run(["espeak-ng", *args, "-w", str(path), text], check=True)
    raw = subprocess.run(
        ["sox", str(path), "-r", str(SR), "-c", "1", "-t", "f32", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.float32)


def voiced_span(wav: np.ndarray) -> tuple[int, int]:
    """First and last sample of a turn above -45 dBFS (espeak pads with silence)."""
    loud = np.flatnonzero(np.abs(wav) > 10 ** (-45 / 20))
    return (int(loud[0]), int(loud[-1]) + 1) if len(loud) else (0, 0)


def make_meeting(spec: dict, work: Path) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The mixed channel and its reference turns (start, end, speaker)."""
    rng = random.Random(spec["seed"])
    voices, sentences = spec["voices"], list(spec["sentences"])
    parts, turns, t, last = [], [], 0.0, None
    while t < spec["minutes"] * 60:
        who = rng.choice([v for v in voices if v is not last])
        last = who
        text = " ".join(rng.sample(sentences, rng.choice([1, 1, 2, 2, 3])))
        wav = speak(text, who, work)
        lo, hi = voiced_span(wav)
        turns.append((t + lo / SR, t + hi / SR, who["name"]))
        gap = np.zeros(int(rng.uniform(0.35, 1.2) * SR), np.float32)
        parts += [wav, gap]
        t += (len(wav) + len(gap)) / SR
    return np.concatenate(parts), turns


def run_diarizer(audio: np.ndarray, participants: list[str]) -> tuple[list, float, float]:
    """Live-style: VAD utterances labelled as they end. Returns (segments, cpu_s, audio_s)."""
    speakers = Diarization()
    settings = SimpleNamespace(meeting_participants=None, user_name=None)
    stream = SimpleNamespace(
        id="cap-bench",
        rtstream_id="rts-bench",
        category="system_audio",
        metadata={"participants": participants},
        runtime=SimpleNamespace(settings=settings),
    )
    speakers.label(stream, "", 0.0, 0.0)  # load the model outside the timing
    vad = VadSegmenter()
    segments, cpu = [], 0.0
    for i in range(0, len(audio), CHUNK):
        chunk, pts = audio[i : i + CHUNK], i / SR
        t0 = time.process_time()
        speakers.feed(stream, chunk, pts)
        cpu += time.process_time() - t0
        for ev in vad.feed(chunk, pts):
            if isinstance(ev, UtteranceEnded):
                t0 = time.process_time()
                label = speakers.label(stream, "", ev.start, ev.speech_end)
                cpu += time.process_time() - t0
                segments.append((ev.start, ev.speech_end, label))
    for ev in vad.flush():
        if isinstance(ev, UtteranceEnded):
            segments.append((ev.start, ev.speech_end, speakers.label(stream, "", ev.start, ev.end)))
    return segments, cpu, len(audio) / SR


def frames(spans, n: int) -> list[str | None]:
    out: list[str | None] = [None] * n
    for start, end, who in spans:
        for k in range(max(0, int(start / STEP)), min(n, int(end / STEP))):
            out[k] = who
    return out


def der(reference, hypothesis, duration: float, collar: float = 0.0) -> dict:
    n = int(duration / STEP) + 1
    ref, hyp = frames(reference, n), frames(hypothesis, n)
    scored = [True] * n
    for start, end, _ in reference:  # no score within `collar` of a reference boundary
        for edge in (start, end):
            lo, hi = max(0, int((edge - collar) / STEP)), min(n, int((edge + collar) / STEP))
            scored[lo:hi] = [False] * max(0, hi - lo)
    keep = [k for k in range(n) if scored[k]]
    ref_labels = sorted({r for r in ref if r})
    hyp_labels = sorted({h for h in hyp if h})
    counts: dict[tuple[str, str], int] = {}
    for k in keep:
        if ref[k] and hyp[k]:
            counts[(ref[k], hyp[k])] = counts.get((ref[k], hyp[k]), 0) + 1
    best = 0  # frames on which the mapped labels agree, for the best one-to-one mapping
    few, many = sorted((ref_labels, hyp_labels), key=len)
    for perm in itertools.permutations(many, len(few)):
        pairs = zip(few, perm, strict=True) if few is ref_labels else zip(perm, few, strict=True)
        best = max(best, sum(counts.get(pair, 0) for pair in pairs))
    speech = sum(1 for k in keep if ref[k])
    missed = sum(1 for k in keep if ref[k] and not hyp[k])
    false_alarm = sum(1 for k in keep if hyp[k] and not ref[k])
    both = sum(1 for k in keep if ref[k] and hyp[k])
    confusion = both - best
    return {
        "der": round((missed + false_alarm + confusion) / max(speech, 1), 4),
        "missed": round(missed / max(speech, 1), 4),
        "false_alarm": round(false_alarm / max(speech, 1), 4),
        "confusion": round(confusion / max(speech, 1), 4),
        "speakers_found": len(hyp_labels),
    }


def bench_set(name: str, spec: dict, work: Path) -> dict:
    audio, turns = make_meeting(spec, work)
    segments, cpu, seconds = run_diarizer(audio, [v["name"] for v in spec["voices"]])
    hyp = [s for s in segments if s[2]]
    result = {
        "audio_s": round(seconds, 1),
        "turns": len(turns),
        "utterances": len(segments),
        "cpu_fraction": round(cpu / seconds, 4),
        **der(turns, hyp, seconds, collar=0.25),
        "der_no_collar": der(turns, hyp, seconds)["der"],
    }
    print(
        f"{name}: {seconds:.0f} s, {len(turns)} turns, {len(segments)} utterances,"
        f" {result['speakers_found']} voices found; DER {result['der']:.1%} (collar 0.25 s;"
        f" miss {result['missed']:.1%}, false alarm {result['false_alarm']:.1%}, confusion"
        f" {result['confusion']:.1%}), no collar {result['der_no_collar']:.1%};"
        f" CPU {result['cpu_fraction']:.1%} of a core"
    )
    return result


def real_voices() -> dict | None:
    if not REAL.exists():
        return None
    stereo = read(REAL, 2)
    reference = []
    for ch, who in ((0, "left"), (1, "right")):
        vad = VadSegmenter()
        for ev in [*vad.feed(stereo[:, ch].copy(), 0.0), *vad.flush()]:
            if isinstance(ev, UtteranceEnded):
                reference.append((ev.start, ev.speech_end, who))
    segments, _, seconds = run_diarizer(stereo.mean(axis=1), [])
    hyp = [s for s in segments if s[2]]
    encoder = shared_encoder()
    similarity = float(encoder.embed(stereo[:, 0].copy()) @ encoder.embed(stereo[:, 1].copy()))
    out = {
        "audio_s": round(seconds, 1),
        "voice_similarity": round(similarity, 3),  # the two channels' voices, cosine
        **der(reference, hyp, seconds, collar=0.25),
    }
    print(
        f"real voices ({REAL.name}): the two voices' cosine similarity {similarity:.2f}"
        f"; they overlap on the mono mix, so the utterance-level"
        f" labels find {out['speakers_found']} voice(s), DER {out['der']:.1%}"
    )
    return out


def read(path: Path, channels: int) -> np.ndarray:
    raw = subprocess.run(
        ["sox", str(path), "-r", str(SR), "-c", str(channels), "-t", "f32", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.float32).reshape(-1, channels)


def real_turns() -> dict | None:
    """Three real voices taking turns: four 2.75 s pieces of jfk.flac and the two voices of
    stereo_diarization.wav, one after another with 0.6 s of silence (about 21 s). Too small
    to tune on; it shows whether thresholds fitted to synthetic voices hold on real ones."""
    if not (REAL.exists() and JFK.exists()):
        return None
    jfk, stereo = read(JFK, 1)[:, 0], read(REAL, 2)
    pieces = [jfk[round(k * 2.75 * SR) : round((k + 1) * 2.75 * SR)] for k in range(4)]
    left, right = stereo[: round(4.71 * SR), 0], stereo[round(0.12 * SR) : round(2.73 * SR), 1]
    order = [("jfk", pieces[0]), ("left", left), ("jfk", pieces[1]), ("right", right)]
    order += [("jfk", pieces[2]), ("jfk", pieces[3])]
    parts, turns, t = [], [], 0.0
    gap = np.zeros(round(0.6 * SR), np.float32)
    for who, wav in order:
        lo, hi = voiced_span(wav)
        turns.append((t + lo / SR, t + hi / SR, who))
        parts += [wav.astype(np.float32), gap]
        t += (len(wav) + len(gap)) / SR
    audio = np.concatenate(parts)
    segments, _, seconds = run_diarizer(audio, [])
    out = {"audio_s": round(seconds, 1), **der(turns, [s for s in segments if s[2]], seconds, 0.25)}
    labels = [s[2] for s in segments]
    print(
        f"real voices taking turns (jfk.flac, stereo_diarization.wav): {len(segments)}"
        f" utterances labelled {labels} for {[w for w, _ in order]};"
        f" DER {out['der']:.1%}, {out['speakers_found']} voices found (3 speak)"
    )
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", default="tuning,dev,dev4,dev2,held_out,held_out2")
    args = p.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            out[name] = bench_set(name, json.loads(SETS[name].read_text()), Path(tmp))
    real = real_voices()
    if real is not None:
        out["real_voices"] = real
    turns = real_turns()
    if turns is not None:
        out["real_turns"] = turns
    print(json.dumps(out))


if __name__ == "__main__":
    main()
