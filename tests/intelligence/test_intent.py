"""The offline action-item classifier: its weights rebuild byte for byte from the committed
training data, and it tells items, confirmations and the rest apart on sentences it was not
trained on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from copilot.intelligence import intent

ROOT = Path(__file__).resolve().parents[2]


def test_training_script_rebuilds_the_shipped_model_identically():
    pytest.importorskip("sklearn")
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_intent_model.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # byte-identical on the machine that built it; elsewhere within float noise (1e-3)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
    assert "identical" in out.stdout or "matches a rebuild" in out.stdout, out.stdout
    model = json.loads(intent.MODEL_FILE.read_text())
    rows = intent.TRAIN_FILE.read_text().splitlines()
    assert model["train_rows"] == len(rows) and tuple(model["features"]) == intent.FEATURE_NAMES


def test_model_reads_phrasing_not_keywords():
    model = intent.shared_model()
    said = {
        "Leave the vendor call with me, I'll sort it out before the weekend.": "action",
        "Hana, would you be able to chase the signed lease?": "action",
        "Yep, can do.": "confirm",
        "We will never know why the old build broke.": "none",
        "Did you already send the slides to the client?": "none",
        "My card number is 4111 1111 1111 1111.": "none",
    }
    got = {s: i.label for s, i in zip(said, model.classify(list(said)), strict=True)}
    assert got == said


def test_a_model_file_for_other_features_is_refused(tmp_path):
    data = json.loads(intent.MODEL_FILE.read_text())
    data["features"] = ["something_else"]
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"rebuild it with scripts/train_intent_model\.py"):
        intent.IntentModel.load(bad)
