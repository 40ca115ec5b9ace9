"""Screen pipeline benchmark on a private Xvfb with a real Tk window.

Prints human lines, then as the LAST line one JSON object:
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

Usage: python bench/screen.py [--quick] [--seconds N] [--changes N]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 s static window, 3 changes")
    ap.add_argument("--seconds", type=float, default=None, help="static window (default 20)")
    ap.add_argument("--changes", type=int, default=None, help="changes to time (default 5)")
    args = ap.parse_args()
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    changes = args.changes or (3 if args.quick else 5)

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
        static_results = len(results) - 1
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
            got.wait_for(lambda: len(results) > before, 20)
            full = results[-1][0] - started if len(results) > before else None
        if full is not None:
            print(f"full-screen window appears: result after {full:.2f} s: {results[-1][1].text}")
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
    print(
        json.dumps(
            {
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
        )
    )


if __name__ == "__main__":
    main()
