"""Screen pipeline benchmark: a live screen on a private Xvfb, and generated recordings.

Prints human lines, then as the LAST line one JSON object.

Live part (a real Tk window on Xvfb, sampled through mss):
  cpu_share_static           fraction of one core this process spends sampling + detecting
                             changes at 1 fps on a static 1920×1080 screen (a panel clock still
                             ticks every second) — process CPU time over the window
  xserver_cpu_share_static   the same for the X server (it copies the pixels for mss)
  change_to_event_latency_s  median time from a window's text changing to its visual-index
                             result (offline OCR engine, 1 fps sampling, frame_count=1)
  change_to_event_latency_full_s  the same when a full-screen window appears (full-frame OCR)
  ocr_s_per_frame            RapidOCR on one full 1080p frame
  ocr_s_per_changed_frame    OCR per changed frame as the indexer runs it (incremental)
Goals: cpu_share_static ≤ 0.03, change_to_event_latency_s ≤ 2.

Recording part ("recording": {variant: figures}), for each variant of
scripts/make_screen_recording.py ("tune" was tuned on, "heldout" never was): the ten-scene
recording replayed through the public API (embedded runtime, display replay at max speed,
index_visuals with its defaults, redact_sensitive on unless --no-redaction), scored against
the generator's truth:
  ocr_word_share             visible words (secrets excepted: they are redacted) found in the
                             scene's `ocr_text` (goal ≥ 0.95)
  description_word_share     the same in the scene's description (`text`; reported)
  scene_spans_within_1_5s    share of scenes whose event's start and end are within 1.5 s
                             of the truth (goal 1.0); span_error_max_s the worst
  scenes_one_event_plus_end  share of scenes with exactly one event and one end update (goal
                             1.0); events_start_equals_end (goal 0)
  duplicate_alerts / missed_alerts  sensitive_content alerts per scene and kind beyond /
                             short of the secrets of that kind shown (goal 0 / 0);
                             other_kind_alerts: alerts of a kind the scene shows no secret of
  keyframe_secret_leaks      secrets still readable (8+ characters) by OCR in the stored
                             keyframes and the screen recording (goal 0)
  search_hit_share           two phrases per scene: a visual hit of the right scene in the top 3
  seconds                    wall time of the replay (OCR of every scene)

Usage: python bench/screen.py [--quick] [--seconds N] [--changes N] [--variants tune,heldout]
                              [--no-live] [--no-recording] [--no-redaction]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TKAPP = ROOT / "tests" / "vision" / "tkapp.py"
# Each change replaces the whole sentence: changing one digit is below the change threshold on
# purpose (it looks like a ticking clock).
SENTENCES = [
    "Action: Alice sends the budget by Friday",
    "Decision: we hire two more engineers",
    "Risk: the vendor contract ends in March",
    "Next step: demo the prototype to sales",
    "Question: who owns the launch checklist",
    "Action: Bob books the offsite venue",
]


def start_xvfb() -> tuple[subprocess.Popen, str]:
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        sys.exit("Xvfb did not start")
    return proc, f":{number}"


class Window:
    def __init__(self, **kwargs):
        args = [sys.executable, str(TKAPP)]
        for k, v in kwargs.items():
            args += [f"--{k}"] if v is True else [f"--{k}", str(v)]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def send(self, **cmd) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
            self.proc.stdin.flush()
        self.proc.wait(5)


def cpu_ticks(pid: int) -> float:
    """User+system CPU seconds of another process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def live_figures(seconds: float, changes: int) -> dict:
    """The live-screen figures (see the module doc)."""
    xvfb, display = start_xvfb()
    os.environ["DISPLAY"] = display
    from copilot.vision.displays import DisplaySource
    from copilot.vision.indexer import VisualIndexer
    from copilot.vision.ocr import RapidOcrEngine
    from copilot.vision.sampler import Sampler

    win = Window(title="Q3 Budget - LibreOffice Calc", app="libreoffice-calc", text="Revenue 1.2M")
    board = Window(
        title="Sprint board - Mozilla Firefox",
        app="firefox",
        text="Sprint board: twelve open tickets",
        geometry="1920x1080+0+0",
        hidden=True,
    )
    try:
        engine = RapidOcrEngine(threads=2)
        engine.warmup()
        src = DisplaySource("display:1")
        frame = src.grab()
        src.close()
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            engine.recognize(frame)
            runs.append(time.perf_counter() - started)
        ocr_full = statistics.median(runs)
        print(f"OCR, full 1080p frame: {ocr_full:.2f} s (median of 3)")

        results: list[tuple[float, object]] = []
        got = threading.Condition()

        def on_result(result) -> None:
            with got:
                results.append((time.monotonic(), result))
                got.notify_all()

        indexer = VisualIndexer(
            on_result,
            batch_config={"type": "time", "value": 2, "frame_count": 1},
            ocr_engine=engine,
        ).start()
        indexer.ready.wait(30)
        sampler = Sampler(
            DisplaySource("display:1"), indexer.on_frame, fps=1.0, on_tick=indexer.on_tick
        ).start()
        with got:
            got.wait_for(lambda: results, 30)
        time.sleep(1.5)

        # -- static screen: only the panel clock ticks --------------------------------------
        c0, x0, w0 = time.process_time(), cpu_ticks(xvfb.pid), time.monotonic()
        second = 0
        while time.monotonic() - w0 < seconds:
            second += 1
            win.send(clock=f"10:{second // 60:02d}:{second % 60:02d}")
            time.sleep(max(0.0, w0 + second - time.monotonic()))
        wall = time.monotonic() - w0
        cpu = time.process_time() - c0
        xcpu = cpu_ticks(xvfb.pid) - x0
        static_results = sum(1 for _, r in results if not r.ended) - 1
        share, xshare = cpu / wall, xcpu / wall
        print(
            f"static screen, 1 fps, {wall:.1f} s: this process {cpu:.3f} CPU s = {share:.2%} "
            f"of a core; X server {xshare:.2%}; {sampler.stats.samples} samples, "
            f"{static_results} index results while static"
        )

        # -- change -> index result latency -------------------------------------------------
        latencies = []
        ocr0, n0 = indexer.stats.ocr_seconds, indexer.stats.ocr_frames
        for k in range(changes):
            time.sleep(0.6 + 0.37 * k)  # spread the change over the sampling phase
            text = SENTENCES[k % len(SENTENCES)]
            with got:
                before = len(results)
            started = time.monotonic()
            win.send(text=text)
            with got:
                ok = got.wait_for(
                    lambda text=text, before=before: any(
                        text in r.ocr_text for _, r in results[before:]
                    ),
                    15,
                )
                hit = next((t for t, r in results[before:] if text in r.ocr_text), None)
            if not ok or hit is None:
                print(f"change {k + 1}: no result within 15 s")
                continue
            latencies.append(hit - started)
            print(f"change {k + 1}: result after {hit - started:.2f} s: {results[-1][1].text}")
        time.sleep(1.3)
        with got:
            before = len(results)
        started = time.monotonic()
        board.send(visible=True)
        with got:
            got.wait_for(lambda: any(not r.ended for _, r in results[before:]), 20)
            shown = next(((t, r) for t, r in results[before:] if not r.ended), None)
            full = shown[0] - started if shown else None
        if shown is not None:
            print(f"full-screen window appears: result after {full:.2f} s: {shown[1].text}")
        sampler.stop()
        indexer.stop()
        ocr_changed = (indexer.stats.ocr_seconds - ocr0) / max(1, indexer.stats.ocr_frames - n0)
        print(f"OCR per changed frame in the indexer (incremental): {ocr_changed:.2f} s")
    finally:
        win.close()
        board.close()
        xvfb.terminate()
        xvfb.wait(10)

    median = statistics.median(latencies) if latencies else None
    return {
        "cpu_share_static": round(share, 4),
        "xserver_cpu_share_static": round(xshare, 4),
        "static_seconds": round(wall, 1),
        "static_index_results": static_results,
        "change_to_event_latency_s": round(median, 3) if median is not None else None,
        "change_to_event_latency_max_s": round(max(latencies), 3) if latencies else None,
        "changes_timed": len(latencies),
        "change_to_event_latency_full_s": round(full, 3) if full is not None else None,
        "ocr_s_per_frame": round(ocr_full, 3),
        "ocr_s_per_changed_frame": round(ocr_changed, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 s static window, 3 changes")
    ap.add_argument("--seconds", type=float, default=None, help="static window (default 20)")
    ap.add_argument("--changes", type=int, default=None, help="changes to time (default 5)")
    ap.add_argument("--variants", default="tune,heldout", help="recordings to score")
    ap.add_argument("--no-live", action="store_true", help="skip the Xvfb part")
    ap.add_argument("--no-recording", action="store_true", help="skip the recordings")
    ap.add_argument("--no-redaction", action="store_true", help="replay with redact_sensitive off")
    args = ap.parse_args()
    figures: dict = {}
    if not args.no_live:
        seconds = args.seconds or (8.0 if args.quick else 20.0)
        figures.update(live_figures(seconds, args.changes or (3 if args.quick else 5)))
    if not args.no_recording:
        from screen_recording import recording_figures

        figures["recording"] = {
            v: recording_figures(v, redact=not args.no_redaction)
            for v in args.variants.split(",")
            if v.strip()
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
