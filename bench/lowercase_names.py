"""Action items when the recogniser writes names in lower case ("tomasz could you …"): each
set is replayed with every participant's name lowercased in the text, and scored as
bench/quality.py scores it. Before names were matched from the roster whatever their case,
dev5/dev6/dev7 lost 0.09-0.12 F1 this way.

    .venv/bin/python bench/lowercase_names.py [SET ...]   (default: the development sets)
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import quality  # noqa: E402

from copilot.intelligence import understand  # noqa: E402

DEFAULT = ["intelligence_dev5.json", "intelligence_dev6.json", "intelligence_dev7.json"]


def lowercased(name: str, out: Path) -> None:
    data = json.loads((quality.DATA / name).read_text())
    for meeting in data["meetings"]:
        for u in meeting["utterances"]:
            for p in meeting["participants"]:
                u["text"] = re.sub(rf"\b{re.escape(p)}\b", p.lower(), u["text"])
    (out / name).write_text(json.dumps(data))


def main() -> int:
    names = sys.argv[1:] or DEFAULT
    result: dict = {"bench": "lowercase_names"}
    understand.shared_model().classify(["warm up the model"])
    with tempfile.TemporaryDirectory() as tmp:
        original = quality.DATA
        for name in names:
            for label, data in (("as written", original), ("names lowercased", Path(tmp))):
                if data != original:
                    lowercased(name, data)
                quality.DATA = data
                a = quality.evaluate([name], understand.detect, False, None)["action_items"]
                quality.DATA = original
                print(
                    f"{name:28s} {label:17s} F1 {a['f1']:.2f}  P {a['precision']:.2f}  "
                    f"R {a['recall']:.2f}  owner {a['owner_accuracy']}"
                )
                result.setdefault(name, {})[label] = a
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
