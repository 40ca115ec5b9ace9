"""Secret alerts on short cases: a secret read out in one of up to three turns, or none.

A case file (bench/data/secrets_*.json) holds {"cases": [{"id", "turns": [{"speaker", "text"}],
"secret_turn": index or null, "kind": kind or null}]}. Each case runs through a fresh
SecretAlerts, turn by turn, as the sensitive_content plugin would; an alert of the labelled
family in the secret's turn is a hit, any other alert a false one. Kinds are compared by family,
as in bench/quality.py.

    .venv/bin/python bench/secret_cases.py [--verbose] [FILE ...]   (default: every secrets_*.json)

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import FAMILY  # noqa: E402

from copilot.intelligence.secret_alerts import SecretAlerts  # noqa: E402

DATA = Path(__file__).parent / "data"


def family(kind: str) -> str:
    return FAMILY.get(kind, kind)


def run(path: Path, verbose: bool) -> dict:
    cases = json.loads(path.read_text())["cases"]
    hits = misses = false = 0
    for case in cases:
        alerts = SecretAlerts()
        want = case["secret_turn"]
        got_at: list[tuple[int, str]] = []
        for i, turn in enumerate(case["turns"]):
            for a in alerts.check(case["id"], turn["text"], place=i):
                got_at.append((i, family(a.kind)))
        right = want is not None and (want, family(case["kind"])) in got_at
        hits += right
        misses += want is not None and not right
        wrong = [g for g in got_at if not (right and g == (want, family(case["kind"])))]
        false += len(wrong)
        if verbose and (wrong or (want is not None and not right)):
            texts = " / ".join(t["text"] for t in case["turns"])
            print(f"  {case['id']}: want {case['kind']}@{want} got {got_at}: {texts!r}")
    labelled = hits + misses
    return {
        "cases": len(cases),
        "secrets": labelled,
        "recall": round(hits / labelled, 3) if labelled else 1.0,
        "precision": round(hits / (hits + false), 3) if hits + false else 1.0,
        "missed": misses,
        "false_alerts": false,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--verbose", action="store_true", help="print every miss and false alert")
    args = ap.parse_args()
    files = args.files or sorted(DATA.glob("secrets_*.json"))
    result = {"bench": "secret_cases"}
    for path in files:
        r = run(path, args.verbose)
        result[path.stem] = r
        print(
            f"{path.stem:14s} {r['cases']:4d} cases {r['secrets']:3d} secrets  recall "
            f"{r['recall']:.2f}  precision {r['precision']:.2f}  missed {r['missed']}  false "
            f"{r['false_alerts']}"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
