"""Shared test data and helpers: a small sample meeting, a network-guarded subprocess runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from copilot.search import model_build

REPO = Path(__file__).resolve().parents[2]

MIC = {"session_id": "cap-demo", "rtstream_id": "rts-mic", "channel": "mic:default"}
SYS = {"session_id": "cap-demo", "rtstream_id": "rts-sys", "channel": "system_audio:default"}
DISPLAY = {"session_id": "cap-demo", "rtstream_id": "rts-display", "channel": "display:1"}
OTHER = {"session_id": "cap-other", "rtstream_id": "rts-other-mic", "channel": "mic:default"}


def _seg(id_, text, start, end, where, type_="transcript", speaker=""):
    return {
        "id": id_,
        "text": text,
        "start": start,
        "end": end,
        "type": type_,
        "speaker": speaker,
        **where,
    }


SAMPLE = [
    _seg("mic-0", "Good morning everyone, thanks for joining.", 0.0, 3.0, MIC, speaker="Ana"),
    _seg("mic-1", "First item is the budget for next quarter.", 3.5, 6.0, MIC, speaker="Ana"),
    _seg(
        "mic-2",
        "Finance approved 1.2 million for the platform rewrite.",
        6.5,
        10.0,
        MIC,
        speaker="Ben",
    ),
    _seg(
        "mic-3",
        "But our cloud spend is already forty thousand over the forecast.",
        10.5,
        14.0,
        MIC,
        speaker="Ben",
    ),
    _seg(
        "mic-4",
        "We should cut the travel allowance to stay within the plan.",
        14.5,
        18.0,
        MIC,
        speaker="Ana",
    ),
    _seg(
        "mic-5",
        "Next, the hiring plan: we have three open backend roles.",
        18.5,
        22.0,
        MIC,
        speaker="Ana",
    ),
    _seg(
        "mic-6",
        "Priya Raman will run the system design interviews.",
        22.5,
        25.0,
        MIC,
        speaker="Ben",
    ),
    _seg("mic-7", "Let's schedule the meeting for Thursday.", 25.5, 28.0, MIC, speaker="Ana"),
    _seg("sys-0", "The customer said their card ending 4111 was charged twice.", 30.0, 34.0, SYS),
    _seg("sys-1", "They want a refund before the end of the month.", 34.5, 37.0, SYS),
    _seg(
        "display-0",
        "User is viewing a spreadsheet titled Q3 Budget Forecast, total $1,250,000",
        5.0,
        15.0,
        DISPLAY,
        type_="visual_index",
    ),
    _seg(
        "display-1",
        "User is viewing a Slack conversation about interview schedules",
        20.0,
        26.0,
        DISPLAY,
        type_="visual_index",
    ),
    _seg(
        "audio-0",
        "Discussion about the quarterly budget and cost cuts",
        3.0,
        18.0,
        MIC,
        type_="audio_index",
    ),
    _seg("other-0", "The weather has been lovely this week.", 0.0, 2.0, OTHER),
    _seg("other-1", "Our offsite party budget is small, maybe pizza.", 2.5, 5.0, OTHER),
    _seg("other-2", "Can everyone hear me okay?", 5.5, 7.0, OTHER),
]
BUDGET_IDS = {"mic-1", "mic-2", "mic-3", "mic-4", "display-0", "audio-0"}

# Run first in every subprocess: any attempt to reach the network, or to build Chroma's
# default (downloading) embedding, raises at once.
GUARD = textwrap.dedent(
    """
    import socket
    def _no_network(*args, **kwargs):
        raise RuntimeError(f"network access attempted: {args!r}")
    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2
    def _no_default(*args, **kwargs):
        raise RuntimeError("Chroma's default embedding was constructed")
    onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2.__init__ = _no_default
    """
)


def run_python(code: str, tmp_path: Path) -> dict:
    """Run code in a fresh, network-guarded interpreter; it must print one JSON line last."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        # the machine's built embedding model; building it again costs ~6 s per child
        "COPILOT_CACHE_DIR": str(model_build.cache_dir()),
    }
    proc = subprocess.run(
        [sys.executable, "-c", GUARD + textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not (home / ".cache" / "chroma").exists(), "something cached a Chroma model"
    return json.loads(proc.stdout.strip().splitlines()[-1])
