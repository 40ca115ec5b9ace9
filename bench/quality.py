"""Quality of the offline meeting intelligence: action items and sensitive-content alerts.

Runs the default (offline) engines on labelled sets (bench/data/quality_set.json: varied
phrasing and hard negatives; quality_dev2/dev3.json: sets written as held-out sets, measured
once — first-run figures are kept in the output — then used for tuning) and on the sample
meeting — its script and what tiny.en heard
(bench/data/sample_tiny_en.json, from `copilot run --speed 1`). An action item counts as
correct when its task words overlap the label's (Jaccard ≥ 0.5) and its owner and due date
are equal; an alert is per utterance (kind must match). Last line: one JSON object.

    .venv/bin/python bench/quality.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builtin_plugins.action_items import candidates  # noqa: E402
from copilot.intelligence.meeting import MeetingInfo  # noqa: E402
from copilot.intelligence.sensitive import detect  # noqa: E402
from copilot.intelligence.textutil import content_stems, overlap  # noqa: E402
from copilot.intelligence.tracker import ItemTracker  # noqa: E402

DATA = Path(__file__).parent / "data"
SAMPLE = ROOT / "copilot" / "data" / "sample_meeting" / "reference.json"
THRESHOLD = 0.7


def items_of(text, speaker, info):
    """What the action_items plugin extracts from one utterance (offline settings)."""
    return candidates(text, speaker, info, None)


def same(pred: dict, gold: dict) -> bool:
    words = overlap(content_stems(pred["text"]), content_stems(gold["text"])) >= 0.5
    return words and pred["owner"] == gold["owner"] and pred["due"] == gold["due"]


def score(pairs) -> dict:
    """pairs: [(predicted items, gold items)] → precision/recall/F1 by greedy matching."""
    tp = fp = fn = 0
    for pred, gold in pairs:
        left = list(gold)
        for p in pred:
            hit = next((g for g in left if same(p, g)), None)
            if hit is None:
                fp += 1
            else:
                tp += 1
                left.remove(hit)
        fn += len(left)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(f1, 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def alert_score(rows) -> dict:
    """rows: [(predicted kind or None, gold kind or None)]."""
    tp = sum(1 for p, g in rows if p and g and p == g)
    fp = sum(1 for p, g in rows if p and p != g)
    fn = sum(1 for p, g in rows if g and p != g)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "tp": tp, "fp": fp, "fn": fn}


def alert_kind(text: str) -> str | None:
    found = detect(text, THRESHOLD)
    return max(found, key=lambda f: f.confidence).kind if found else None


def labelled_set(verbose: bool, name: str = "quality_set.json"):
    data = json.loads((DATA / name).read_text())
    info = MeetingInfo(data["participants"], None, date.fromisoformat(data["meeting_date"]))
    pairs, alerts = [], []
    for u in data["utterances"]:
        found = [i for i in items_of(u["text"], u["speaker"], info) if i.confidence >= 0.6]
        pred = [
            {"text": i.text, "owner": i.owner, "due": i.due and i.due.isoformat()} for i in found
        ]
        pairs.append((pred, u["items"]))
        kind = alert_kind(u["text"])
        alerts.append((kind, u["sensitive"]))
        if verbose and (score([(pred, u["items"])])["f1"] < 1 or kind != u["sensitive"]):
            print(
                f"  MISS {u['text']!r}\n     items {pred} want {u['items']}\n"
                f"     alert {kind} want {u['sensitive']}"
            )
    return len(data["utterances"]), score(pairs), alert_score(alerts)


def meeting(utterances, reference, speaker_of, verbose: bool):
    """A whole meeting through the tracker (merges, amendments) vs the script's labels."""
    people = ["Alex", "Priya", "Marcus"]
    info = MeetingInfo(people, "Alex", date(2026, 11, 25))
    tracker = ItemTracker("bench", 0.6)
    alerts = []
    for u in utterances:
        for c in items_of(u["text"], speaker_of(u, info), info):
            tracker.add(c)
        kind = alert_kind(u["text"])
        if kind:
            alerts.append(kind)
    pred = [
        {"text": i.text, "owner": i.owner, "due": i.due and i.due.isoformat()}
        for i in tracker.items.values()
    ]
    due_of = {"Friday": "2026-11-27", "Wednesday": "2026-12-02", None: None}
    gold = [{**g, "due": due_of[g["due"]]} for g in reference["action_items"]]
    if verbose:
        print("  items", pred)
        print("  alerts", alerts)
    want = [s["kind"] for s in reference["sensitive"]]
    return score([(pred, gold)]), {"alerts": alerts, "expected": want, "ok": alerts == want}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true", help="print every miss")
    args = ap.parse_args()
    t0 = time.perf_counter()
    n, items, alerts = labelled_set(args.verbose)
    dn, d_items, d_alerts = labelled_set(args.verbose, "quality_dev2.json")
    hn, h_items, h_alerts = labelled_set(args.verbose, "quality_dev3.json")
    reference = json.loads(SAMPLE.read_text())
    tiny = json.loads((DATA / "sample_tiny_en.json").read_text())["utterances"]
    script_items, script_alerts = meeting(
        reference["utterances"], reference, lambda u, info: u["speaker"], args.verbose
    )
    tiny_items, tiny_alerts = meeting(
        tiny, reference, lambda u, info: info.speaker_name(u["speaker"]), args.verbose
    )
    result = {
        "bench": "quality",
        "engine": "offline",
        "labelled_utterances": n,
        "action_items": items,
        "alerts": alerts,
        "dev2": {"utterances": dn, "action_items": d_items, "alerts": d_alerts},
        "dev3": {"utterances": hn, "action_items": h_items, "alerts": h_alerts},
        "sample_script": {"action_items": script_items, **script_alerts},
        "sample_tiny_en": {"action_items": tiny_items, **tiny_alerts},
        "first_run_on_unseen_sets": {
            "dev2_action_items_f1": 0.63,
            "dev2_alerts_precision": 0.86,
            "dev3_action_items_f1": 0.46,
            "dev3_alerts_precision": 1.0,
        },
        "goals_met": items["f1"] >= 0.8 and alerts["recall"] == 1.0 and alerts["precision"] >= 0.9,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    print(f"labelled set: {n} utterances")
    print(
        f"action items  P {items['precision']:.2f}  R {items['recall']:.2f}  F1 {items['f1']:.2f}"
    )
    print(f"alerts        P {alerts['precision']:.2f}  R {alerts['recall']:.2f}")
    for name, (count, it, al) in (
        ("dev2", (dn, d_items, d_alerts)),
        ("dev3", (hn, h_items, h_alerts)),
    ):
        print(
            f"{name} ({count}): items F1 {it['f1']:.2f}  alerts P {al['precision']:.2f}"
            f" R {al['recall']:.2f}"
        )
    print(f"sample script F1 {script_items['f1']:.2f}  alerts {script_alerts['alerts']}")
    print(f"sample tiny.en F1 {tiny_items['f1']:.2f}  alerts {tiny_alerts['alerts']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
