#!/usr/bin/env python3
"""Live-transcript latency and accuracy on the sample meeting, replayed at real-time pace.

Prints human lines, then ONE JSON object as the last line:
  ttfs_p50_s / ttfs_p95_s      end of an utterance's speech (last voiced VAD frame) → its final
  first_partial_latency_s      median, utterance start (reference) → its first partial
  rtf                          ASR busy time / audio time, one stream
  wer_streaming / wer_whole_file   streaming finals vs one faster-whisper pass over each file
  naive_ttfs_p50_s             VAD-then-transcribe loop (full 30 s window, decode after hangover)
  ttfs_p95_s_{1,2,4}_streams, lost_finals_{n}_streams
1 stream = both channels mixed into one; 2 = mic + system_audio; 4 = the mix four times,
staggered so that speech overlaps. A chunk of audio is fed when it has "happened" (at the end of
its 20 ms), like a device callback.

    python bench/asr.py [--quick] [--streams 1,2,4] [--no-naive]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from copilot.audio.decode import read_audio_file  # noqa: E402
from copilot.audio.streaming import StreamingTranscriber, TranscriptResult  # noqa: E402
from copilot.audio.vad import UtteranceEnded, VadSegmenter  # noqa: E402
from copilot.audio.wer import word_errors  # noqa: E402

SR = 16000
CHUNK = 320  # 20 ms
SAMPLE = ROOT / "copilot" / "data" / "sample_meeting"


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def load(quick: bool):
    ref = json.loads((SAMPLE / "reference.json").read_text())
    chans = {ch: read_audio_file(SAMPLE / m["file"]) for ch, m in ref["channels"].items()}
    n = max(a.size for a in chans.values())
    chans = {ch: np.pad(a, (0, n - a.size)) for ch, a in chans.items()}  # codec padding differs
    utts = ref["utterances"]
    if quick:  # the first ~35 s: six turns
        cut = utts[5]["end"] + 1.0
        utts = [u for u in utts if u["end"] <= cut]
        chans = {ch: a[: int(cut * SR)] for ch, a in chans.items()}
    return chans, utts


class Recorder:
    """Collects results with the wall-clock time they arrived."""

    def __init__(self) -> None:
        self.items: list[tuple[float, TranscriptResult]] = []
        self.lags: list = []
        self.lock = threading.Lock()

    def __call__(self, r: TranscriptResult) -> None:
        with self.lock:
            self.items.append((time.monotonic(), r))


def replay(streams: dict[str, np.ndarray], feed, *, speed: float = 1.0) -> float:
    """Feed all streams chunk by chunk in real time; return the wall time of pts 0."""
    n = max(a.size for a in streams.values())
    t0 = time.monotonic()
    wait = threading.Event().wait
    for i in range(0, n, CHUNK):
        due = t0 + (i + CHUNK) / SR / speed
        delay = due - time.monotonic()
        if delay > 0:
            wait(delay)
        for sid, a in streams.items():
            if i < a.size:
                feed(sid, a[i : i + CHUNK], i / SR)
    return t0


def match(refs: list[dict], finals: list[TranscriptResult]) -> tuple[int, list[str]]:
    """Reference utterances with no overlapping final, and the hypotheses in order."""
    lost = sum(
        1 for u in refs if not any(f.start < u["end"] and f.end > u["start"] for f in finals)
    )
    return lost, [f.text for f in sorted(finals, key=lambda f: f.start)]


def run_streaming(engine, streams, refs_by_stream) -> dict:
    rec = Recorder()
    st = StreamingTranscriber(engine, rec, on_lag=rec.lags.append)
    busy0 = time.process_time()
    t0 = replay(streams, st.feed)
    for sid in streams:
        st.flush(sid, timeout=60)
    st.close(timeout=60)
    cpu = time.process_time() - busy0
    ttfs, first_partial, lost, errors, words, decode = [], [], 0, 0, 0, 0.0
    for sid, refs in refs_by_stream.items():
        items = [(w, r) for w, r in rec.items if r.stream_id == sid]
        finals = [r for _, r in items if r.is_final]
        ttfs += [w - (t0 + r.speech_end) for w, r in items if r.is_final]
        decode += sum(r.decode_s for _, r in items)
        for u in refs:
            ps = [
                w for w, r in items if not r.is_final and r.start < u["end"] and r.end > u["start"]
            ]
            if ps:
                first_partial.append(min(ps) - (t0 + u["start"]))
        n_lost, hyp = match(refs, finals)
        lost += n_lost
        e, n = word_errors(" ".join(u["text"] for u in refs), " ".join(hyp))
        errors, words = errors + e, words + n
    audio_s = sum(a.size for a in streams.values()) / SR
    return {
        "ttfs": ttfs,
        "first_partial": first_partial,
        "lost": lost,
        "wer": errors / max(1, words),
        "rtf": decode / audio_s,
        "cpu_per_audio_s": cpu / audio_s,
        "lags": rec.lags,
        "partials": sum(1 for _, r in rec.items if not r.is_final),
        "speculative": sum(1 for _, r in rec.items if r.is_final and r.speculative),
        "finals": sum(1 for _, r in rec.items if r.is_final),
    }


def run_naive(engine, audio: np.ndarray) -> list[float]:
    """VAD, wait for the hangover, then faster-whisper's ordinary transcribe() (30 s window)."""
    vad = VadSegmenter()
    model = engine._model
    ttfs: list[float] = []
    t0 = time.monotonic()

    def feed(_sid, chunk, pts):
        for ev in vad.feed(chunk, pts):
            if isinstance(ev, UtteranceEnded):
                segs, _ = model.transcribe(ev.audio, language="en", beam_size=1, vad_filter=False)
                _text = " ".join(s.text for s in segs)
                ttfs.append(time.monotonic() - (t0 + ev.speech_end))

    t0 = replay({"mic": audio}, feed)
    return ttfs


def whole_file_wer(engine, chans, utts) -> float:
    errors = words = 0
    for ch, audio in chans.items():
        segs, _ = engine._model.transcribe(
            audio, language="en", beam_size=5, condition_on_previous_text=False, vad_filter=True
        )
        hyp = " ".join(s.text for s in segs)
        e, n = word_errors(" ".join(u["text"] for u in utts if u["channel"] == ch), hyp)
        errors, words = errors + e, words + n
    return errors / max(1, words)


def main() -> None:
    ap = argparse.ArgumentParser(description="ASR latency/accuracy bench on the sample meeting")
    ap.add_argument("--quick", action="store_true", help="first ~35 s only")
    ap.add_argument("--streams", default="1,2,4", help="comma list of concurrency levels")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for CTranslate2")
    args = ap.parse_args()

    from copilot.audio.asr import FasterWhisperEngine

    t = time.monotonic()
    engine = FasterWhisperEngine(cpu_threads=args.threads)
    print(f"model {engine.model_path} loaded and warmed in {time.monotonic() - t:.2f} s")
    chans, utts = load(args.quick)
    mix = chans["mic"] + chans["system_audio"]
    out: dict = {}
    levels = [int(x) for x in args.streams.split(",") if x]
    for n in levels:
        if n == 2:
            streams = dict(chans)
            refs = {ch: [u for u in utts if u["channel"] == ch] for ch in chans}
        else:
            stagger = 2.3
            streams, refs = {}, {}
            for k in range(n):
                pad = np.zeros(int(k * stagger * SR), np.float32)
                streams[f"s{k}"] = np.concatenate([pad, mix])
                refs[f"s{k}"] = [
                    {**u, "start": u["start"] + k * stagger, "end": u["end"] + k * stagger}
                    for u in utts
                ]
        res = run_streaming(engine, streams, refs)
        out[f"ttfs_p50_s_{n}_streams"] = pct(res["ttfs"], 50)
        out[f"ttfs_p95_s_{n}_streams"] = pct(res["ttfs"], 95)
        out[f"lost_finals_{n}_streams"] = res["lost"]
        out[f"wer_streaming_{n}_streams"] = round(res["wer"], 4)
        print(
            f"{n} stream(s): finals {res['finals']} ({res['speculative']} speculative), "
            f"partials {res['partials']}, lost {res['lost']}, "
            f"TTFS p50 {pct(res['ttfs'], 50)} s p95 {pct(res['ttfs'], 95)} s "
            f"max {pct(res['ttfs'], 100)} s, first partial p50 {pct(res['first_partial'], 50)} s, "
            f"WER {res['wer']:.3f}, RTF {res['rtf']:.3f}, lag reports {len(res['lags'])}"
        )
        if n == 1:
            out["ttfs_p50_s"] = pct(res["ttfs"], 50)
            out["ttfs_p95_s"] = pct(res["ttfs"], 95)
            out["first_partial_latency_s"] = pct(res["first_partial"], 50)
            out["rtf"] = round(res["rtf"], 4)
            out["wer_streaming"] = round(res["wer"], 4)
    wf = whole_file_wer(engine, chans, utts)
    out["wer_whole_file"] = round(wf, 4)
    print(f"whole-file WER (beam 5, silero VAD, one pass per channel): {wf:.3f}")
    if not args.no_naive:
        naive = run_naive(engine, mix)
        out["naive_ttfs_p50_s"] = pct(naive, 50)
        out["naive_ttfs_p95_s"] = pct(naive, 95)
        print(f"naive VAD-then-transcribe: TTFS p50 {pct(naive, 50)} s, p95 {pct(naive, 95)} s")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
