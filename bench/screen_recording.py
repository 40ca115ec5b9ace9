"""The recording part of bench/screen.py: a generated ten-scene recording through the public
API, scored against the generator's truth (see bench/screen.py for the figures)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_TOKEN = re.compile(r"[A-Za-z0-9]+")
TOLERANCE = 1.5


def tokens(text: str) -> set[str]:
    return {t.lower() for t in _TOKEN.findall(text or "")}


async def _replay(conn, folder: Path) -> list:
    from tests.support.display import replay_display

    cap, client = await replay_display(conn, folder)
    cap.get_rtstream("display")[0].index_visuals()
    return [e async for e in client.events()]


def scene_of(truth: dict, t: float) -> dict | None:
    for s in truth["scenes"]:
        if s["start"] - 1e-6 <= t < s["end"]:
            return s
    return None


def _phrases(scene: dict) -> list[str]:
    """Two phrases a user might remember: the first two words of the scene's two longest
    texts (secrets and the clock aside)."""
    texts = [t["text"] for t in scene["texts"] if not t["role"]]
    texts = sorted((t for t in texts if len(_TOKEN.findall(t)) >= 2), key=len, reverse=True)
    return [" ".join(_TOKEN.findall(t)[:2]) for t in texts[:2]]


def _leaks(home: Path, session_id: str, truth: dict, engine) -> tuple[int, int]:
    """(secrets still readable, keyframes read) in the stored images of scenes with secrets."""
    import numpy as np
    from PIL import Image

    base = home / "sessions" / session_id
    images = [*(base / "keyframes").rglob("*.jpg"), *(base / "screen").rglob("*.jpg")]
    leaks = read = 0
    for scene in truth["scenes"]:
        if not scene["secrets"]:
            continue
        for path in images:
            t = float(path.stem.split("-")[0])
            if not scene["start"] - 1e-6 <= t < scene["end"]:
                continue
            with Image.open(path) as img:
                text = " ".join(ln.text for ln in engine.recognize(np.asarray(img.convert("RGB"))))
            read += 1
            squashed = re.sub(r"\s+", "", text)
            for secret in scene["secrets"]:
                value = secret["value"]
                parts = [value[i : i + 8] for i in range(0, max(1, len(value) - 7))]
                if any(p in squashed for p in parts):
                    leaks += 1
    return leaks, read


def recording_figures(variant: str, redact: bool = True) -> dict:
    import copilot
    from copilot.vision.ocr import RapidOcrEngine
    from scripts.make_screen_recording import generate

    with tempfile.TemporaryDirectory(prefix=f"screen-{variant}-") as tmp:
        tmp = Path(tmp)
        truth = generate(tmp / "recording", variant)
        conn = copilot.connect(home=str(tmp / "home"), screen_fps=1, redact_sensitive=redact)
        try:
            started = time.monotonic()
            events = asyncio.run(_replay(conn, tmp / "recording"))
            seconds = time.monotonic() - started
            index = [e for e in events if e.type == "index" and e.index_type == "visual"]
            alerts = [e for e in events if e.type == "alert" and e.label == "sensitive_content"]
            sid = events[0].capture_session_id
            found = searched = 0
            for scene in truth["scenes"]:
                for phrase in _phrases(scene):
                    hits = conn.search(phrase, session_id=sid)[:3]
                    searched += 1
                    found += any(
                        h.type == "visual_index"
                        and h.start < scene["end"]
                        and h.end > scene["start"]
                        for h in hits
                    )
            engine = RapidOcrEngine(threads=2)
            leaks, read = _leaks(tmp / "home", sid, truth, engine)
        finally:
            conn.close()
    out = score(truth, index, alerts, redact)
    out.update(
        keyframe_secret_leaks=leaks,
        keyframes_checked=read,
        search_hit_share=round(found / max(1, searched), 3),
        seconds=round(seconds, 1),
    )
    out["redact_sensitive"] = redact
    _report(variant, truth, index, out)
    for a in alerts:
        print(f"  alert {a.start:6.2f} {a.kind}: {(a.text or '')[:100]!r}")
    return out


def score(truth: dict, index: list, alerts: list, redact: bool = True) -> dict:
    """Word shares, spans, events per scene and alert counts (pure: no runtime needed)."""
    firsts = [e for e in index if e.revision == 0]
    ends = {e.scene_id: e for e in index if e.revision > 0}
    ocr_total = ocr_found = desc_found = 0
    spans_ok, one_each, worst = 0, 0, 0.0
    duplicates = missed = unexpected = 0
    for scene in truth["scenes"]:
        mine = [e for e in firsts if scene_of(truth, e.start) is scene]
        # redacted secrets are not expected in the text
        secret_words = {w for s in scene["secrets"] for w in tokens(s["value"])} if redact else ()
        words = [w for w in scene["words"] if w not in secret_words]
        seen_ocr = set().union(*(tokens(e.ocr_text) for e in mine)) if mine else set()
        seen_desc = set().union(*(tokens(e.text) for e in mine)) if mine else set()
        ocr_total += len(words)
        ocr_found += sum(w in seen_ocr for w in words)
        missing = [w for w in words if w not in seen_ocr]
        if missing:
            print(f"  not in ocr_text [{scene['kind']}]: {' '.join(missing)}")
        desc_found += sum(w in seen_desc for w in words)
        finals = [ends[e.scene_id] for e in mine if e.scene_id in ends]
        if len(mine) == 1 and len(finals) == 1:
            one_each += 1
            err = max(abs(finals[0].start - scene["start"]), abs(finals[0].end - scene["end"]))
            worst = max(worst, err)
            spans_ok += err <= TOLERANCE
        else:
            worst = max(worst, float("inf"))
        for kind in {s["kind"] for s in scene["secrets"]} | {
            a.kind for a in alerts if scene_of(truth, a.start) is scene
        }:
            shown = sum(s["kind"] == kind for s in scene["secrets"])
            raised = sum(a.kind == kind and scene_of(truth, a.start) is scene for a in alerts)
            if shown:
                duplicates += max(0, raised - shown)
                missed += max(0, shown - raised)
            else:
                unexpected += raised
    n = len(truth["scenes"])
    return {
        "scenes": n,
        "ocr_word_share": round(ocr_found / max(1, ocr_total), 4),
        "description_word_share": round(desc_found / max(1, ocr_total), 4),
        "scene_spans_within_1_5s": round(spans_ok / n, 3),
        "span_error_max_s": round(worst, 2) if worst != float("inf") else None,
        "scenes_one_event_plus_end": round(one_each / n, 3),
        "index_events": len(firsts),
        "end_updates": len(ends),
        "events_start_equals_end": sum(1 for e in index if e.end is None or e.end <= e.start),
        "alerts": len(alerts),
        "secrets_shown": sum(len(s["secrets"]) for s in truth["scenes"]),
        "duplicate_alerts": duplicates,
        "missed_alerts": missed,
        "other_kind_alerts": unexpected,
    }


def _report(variant: str, truth: dict, index: list, out: dict) -> None:
    print(f"-- recording '{variant}': {len(truth['scenes'])} scenes, {truth['duration']} s")
    for e in index:
        if e.revision == 0:
            scene = scene_of(truth, e.start)
            kind = scene["kind"] if scene else "?"
            print(f"  {e.start:6.2f}-{e.end:6.2f} [{kind}] {e.text[:150]}")
    print("  " + json.dumps(out))
