"""Action items on transcripts written the way some recognisers write them: each set is
replayed as written, with participants' names in lower case ("tomasz could you …"), all in
lower case, with no full stops (sentences run on with commas), and with hesitations ("could
you um, send the deck"), and scored as
bench/quality.py scores it. Before names were matched from the roster whatever their case,
lower-case names cost dev5/dev6/dev7 0.09-0.12 F1; before a sentence could start in lower
case, all-lower-case text cost 0.10-0.17; before hesitations were dropped, they cost 0.28-0.30.

    .venv/bin/python bench/asr_style.py [SET ...]   (default: the development sets)
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

DEFAULT = [
    "intelligence_dev4.json",
    "intelligence_dev5.json",
    "intelligence_dev6.json",
    "intelligence_dev7.json",
]


def names_lower(text: str, meeting: dict) -> str:
    for p in meeting["participants"]:
        text = re.sub(rf"\b{re.escape(p)}\b", p.lower(), text)
    return text


def no_stops(text: str, meeting: dict) -> str:
    return re.sub(r"[.?!]+(\s+|$)", lambda m: ", " if m.group(1) else "", text).rstrip(", ")


def hesitations(text: str, meeting: dict) -> str:
    """ "Ines, could you um, send the deck to the um, client …": a filler every five words."""
    words = text.split(" ")
    return " ".join(w + (" um," if i % 5 == 2 else "") for i, w in enumerate(words))


STYLES = {
    "as written": None,
    "names lowercased": names_lower,
    "all lowercased": lambda text, meeting: text.lower(),
    "no full stops": no_stops,
    "hesitations": hesitations,
}


def restyled(name: str, style, out: Path) -> None:
    data = json.loads((quality.DATA / name).read_text())
    for meeting in data["meetings"]:
        for u in meeting["utterances"]:
            u["text"] = style(u["text"], meeting)
    (out / name).write_text(json.dumps(data))


def main() -> int:
    names = sys.argv[1:] or DEFAULT
    result: dict = {"bench": "asr_style"}
    understand.shared_model().classify(["warm up the model"])
    original = quality.DATA
    for name in names:
        for label, style in STYLES.items():
            with tempfile.TemporaryDirectory() as tmp:
                if style is not None:
                    restyled(name, style, Path(tmp))
                    quality.DATA = Path(tmp)
                try:
                    a = quality.evaluate([name], understand.detect, False, None)["action_items"]
                finally:
                    quality.DATA = original
            print(f"{name:28s} {label:17s} F1 {a['f1']:.2f}  P {a['precision']:.2f}  "
                  f"R {a['recall']:.2f}  owner {a['owner_accuracy']}")  # fmt: skip
            result.setdefault(name, {})[label] = a
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
