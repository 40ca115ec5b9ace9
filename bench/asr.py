#!/usr/bin/env python3
"""Transcript accuracy and latency: the live pass (tiny.en) and the refine pass (base).

Accuracy (replayed as fast as possible, nothing dropped), per channel, live WER and refined
WER (each utterance's newest revision, as readers see it) on the sample meeting, the tuning
set (bench/asr_dev), the held-out set (bench/asr_set, never tuned on) and the real voices in
../shared/audio (skipped with a message if absent); plus finals with a word repeated more
than 4 times in a row where the reference is not, and how many decodes the loop guard redid.

Latency (the sample meeting replayed at real-time pace, a chunk fed when its 20 ms have
"happened", like a device callback), with 1 stream (both channels mixed) and 2 (mic +
system_audio): live TTFS (end of speech → live final), end of speech → refined final,
first-partial latency, dropped refinements.

Prints human lines, then ONE JSON object as the last line.

    python bench/asr.py [--quick] [--streams 1,2] [--sets sample,dev,heldout,real]
        [--live tiny.en] [--refine base|off] [--beam 5] [--no-prompt] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench import asr_sets  # noqa: E402
from copilot.audio.refine import RefineJob, Refiner  # noqa: E402
from copilot.audio.streaming import StreamingTranscriber, TranscriptResult  # noqa: E402

SR = 16000
CHUNK = 320  # 20 ms


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


@dataclass
class Line:
    """A final as readers see it: its newest text (the refined one, once there is one)."""

    stream: str
    text: str
    start: float
    end: float
    speech_end: float
    live_at: float  # wall clock of the live final
    refined_at: float | None = None  # wall clock when the refine pass finished it
    refined: str | None = None


class Pipeline:
    """The live pass and the refine pass wired as builtin_plugins/transcript.py wires them."""

    def __init__(self, live, refine_loader, prompts: dict[str, str | None], realtime: bool):
        self.lines: list[Line] = []
        self.partials: list[tuple[float, TranscriptResult]] = []
        self.drops = 0
        self.prompts = prompts
        self.realtime = realtime
        self.lock = threading.Lock()
        self.refiner = (
            Refiner(refine_loader, self._refined, on_drop=self._dropped) if refine_loader else None
        )
        self.live = StreamingTranscriber(live, self._live)

    def _live(self, r: TranscriptResult) -> None:
        now = time.monotonic()
        if not r.is_final:
            with self.lock:
                self.partials.append((now, r))
            return
        line = Line(r.stream_id, r.text.strip(), r.start, r.end, r.speech_end, now)
        with self.lock:
            self.lines.append(line)
        if self.refiner is not None and r.audio is not None:
            prompt = self.prompts.get(r.stream_id)
            job = RefineJob(r.stream_id, r.audio, prompt, self.realtime, context=line)
            self.refiner.submit(job)

    def _refined(self, job: RefineJob, result) -> None:
        line = job.context
        line.refined_at = time.monotonic()
        if result.text.strip():
            line.refined = result.text.strip()

    def _dropped(self, stream_id: str, total: int) -> None:
        self.drops += 1

    def add(self, sid: str) -> None:
        self.live.add_stream(sid, realtime=self.realtime)

    def finish(self, sids) -> None:
        for sid in sids:
            self.live.flush(sid, timeout=600)
        self.live.close(timeout=60)
        if self.refiner is not None:
            self.refiner.close(timeout=600)

    def finals(self, sid: str, refined: bool) -> list[Line]:
        out = []
        for line in self.lines:
            if line.stream == sid:
                text = line.refined if refined and line.refined else line.text
                out.append(Line(sid, text, line.start, line.end, line.speech_end, line.live_at))
        return out


def feed(pipe: Pipeline, streams: dict[str, np.ndarray], realtime: bool) -> float:
    """Feed every stream chunk by chunk (real-time pace or as fast as possible); wall t0."""
    for sid in streams:
        pipe.add(sid)
    n = max(a.size for a in streams.values())
    t0 = time.monotonic()
    wait = threading.Event().wait
    for i in range(0, n, CHUNK):
        if realtime:
            delay = t0 + (i + CHUNK) / SR - time.monotonic()
            if delay > 0:
                wait(delay)
        for sid, a in streams.items():
            if i < a.size:
                pipe.live.feed(sid, a[i : i + CHUNK], i / SR)
    pipe.finish(streams)
    return t0


def accuracy(args, live, refine_loader, tset: asr_sets.TestSet, out: dict) -> None:
    prompt = ", ".join(tset.participants) + "." if tset.participants and args.prompt else None
    streams = {ch: a for ch, (a, _) in tset.channels.items()}
    pipe = Pipeline(live, refine_loader, dict.fromkeys(streams, prompt), realtime=False)
    t = time.monotonic()
    feed(pipe, streams, realtime=False)
    took = time.monotonic() - t
    totals = {"live": [0, 0], "refined": [0, 0]}
    for ch, (_, refs) in tset.channels.items():
        figures = []
        for kind in ("live", "refined"):
            finals = pipe.finals(ch, refined=kind == "refined")
            errors, words = asr_sets.channel_wer(refs, finals)
            totals[kind][0] += errors
            totals[kind][1] += words
            key = f"{tset.name}_{ch}_{kind}"
            out[f"wer_{key}"] = round(errors / max(1, words), 4)
            out[f"repeats_{key}"] = asr_sets.repeats(refs, finals)
            figures.append(f"{kind} WER {errors / max(1, words):.3f} ({errors}/{words})")
            figures.append(f"repeats {out[f'repeats_{key}']}")
        print(f"  {tset.name} {ch}: " + ", ".join(figures))
    for kind, (errors, words) in totals.items():
        out[f"wer_{tset.name}_{kind}"] = round(errors / max(1, words), 4)
    print(
        f"  {tset.name} all channels: live WER {out[f'wer_{tset.name}_live']:.3f}, refined "
        f"{out[f'wer_{tset.name}_refined']:.3f}; {len(pipe.lines)} finals in {took:.1f} s"
    )


def latency(args, live, refine_loader, tset: asr_sets.TestSet, n: int, out: dict) -> None:
    if n == 1:
        mix = sum(a for a, _ in tset.channels.values())
        refs = sorted((u for _, us in tset.channels.values() for u in us), key=lambda u: u["start"])
        chans = {"mix": (mix, refs)}
    else:
        chans = tset.channels
    prompt = ", ".join(tset.participants) + "." if tset.participants and args.prompt else None
    streams = {ch: a for ch, (a, _) in chans.items()}
    pipe = Pipeline(live, refine_loader, dict.fromkeys(streams, prompt), realtime=True)
    busy = time.process_time()
    t0 = feed(pipe, streams, realtime=True)
    cpu = time.process_time() - busy
    ttfs = [ln.live_at - (t0 + ln.speech_end) for ln in pipe.lines]
    refined = [ln.refined_at - (t0 + ln.speech_end) for ln in pipe.lines if ln.refined_at]
    first_partial = []
    for ch, (_, refs) in chans.items():
        for u in refs:
            ps = [
                w for w, r in pipe.partials if r.stream_id == ch and r.start < u["end"]
                and r.end > u["start"]
            ]  # fmt: skip
            if ps:
                first_partial.append(min(ps) - (t0 + u["start"]))
    audio_s = sum(a.size for a in streams.values()) / SR
    sfx = f"{n}_stream" + ("s" if n > 1 else "")
    out[f"ttfs_p50_s_{sfx}"] = pct(ttfs, 50)
    out[f"ttfs_p95_s_{sfx}"] = pct(ttfs, 95)
    out[f"refined_final_p50_s_{sfx}"] = pct(refined, 50)
    out[f"refined_final_p95_s_{sfx}"] = pct(refined, 95)
    out[f"refine_dropped_{sfx}"] = pipe.drops
    out[f"unrefined_{sfx}"] = sum(1 for ln in pipe.lines if ln.refined_at is None)
    out[f"first_partial_p50_s_{sfx}"] = pct(first_partial, 50)
    out[f"cpu_per_audio_s_{sfx}"] = round(cpu / audio_s, 3)
    print(
        f"  {n} stream(s): {len(pipe.lines)} finals; live TTFS p50 {pct(ttfs, 50)} s p95 "
        f"{pct(ttfs, 95)} s; end of speech -> refined final p50 {pct(refined, 50)} s p95 "
        f"{pct(refined, 95)} s max {pct(refined, 100)} s; refinements dropped {pipe.drops}; "
        f"first partial p50 {pct(first_partial, 50)} s; CPU s per audio s {cpu / audio_s:.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="ASR accuracy and latency, live and refine passes")
    ap.add_argument("--quick", action="store_true", help="first ~35 s of the sample; sample only")
    ap.add_argument("--streams", default="1,2", help="latency runs: comma list of 1 and/or 2")
    ap.add_argument("--sets", default="sample,dev,heldout,real", help="accuracy sets to run")
    ap.add_argument("--live", default="tiny.en", help="live model")
    ap.add_argument("--refine", default="base", help="refine model, or off")
    ap.add_argument("--beam", type=int, default=5, help="refine beam size")
    ap.add_argument("--no-prompt", dest="prompt", action="store_false", help="no vocabulary")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads per model")
    args = ap.parse_args()

    from copilot.audio.asr import FasterWhisperEngine

    t = time.monotonic()
    live = FasterWhisperEngine(args.live, cpu_threads=args.threads)
    print(f"live model {live.model_path} loaded and warmed in {time.monotonic() - t:.2f} s")
    refine_loader = None
    if args.refine != "off":
        cached: list = []

        def refine_loader():  # on the refine thread: its worker threads inherit the priority
            if not cached:
                t = time.monotonic()
                cached.append(
                    FasterWhisperEngine(args.refine, cpu_threads=args.threads, beam_size=args.beam)
                )
                print(f"refine model {cached[0].model_path} loaded in {time.monotonic() - t:.2f} s")
            return cached[0]

    out: dict = {
        "live_model": args.live,
        "refine_model": args.refine,
        "refine_beam": args.beam,
        "vocabulary_prompt": args.prompt,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    wanted = ["sample"] if args.quick else [s for s in args.sets.split(",") if s]
    seconds = 35.0 if args.quick else None
    print("accuracy (as fast as possible, nothing dropped):")
    for name in wanted:
        if name == "real":
            tset = asr_sets.real_voices()
        else:
            folder = {"sample": asr_sets.SAMPLE, "dev": asr_sets.DEV, "heldout": asr_sets.HELDOUT}
            tset = asr_sets.meeting(name, folder[name], seconds=seconds)
        if tset is not None:
            accuracy(args, live, refine_loader, tset, out)
    out["loop_retries_live"] = live.retries
    out["loop_retries_refine"] = refine_loader().retries if refine_loader else 0
    print(f"loop guard: {out['loop_retries_live']} live and {out['loop_retries_refine']} refine "
          "decodes redone")  # fmt: skip
    print("latency (sample meeting at real-time pace):")
    sample = asr_sets.meeting("sample", asr_sets.SAMPLE, seconds=seconds)
    for n in [int(x) for x in args.streams.split(",") if x]:
        latency(args, live, refine_loader, sample, n, out)
    out["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
