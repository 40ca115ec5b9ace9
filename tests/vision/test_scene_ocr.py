"""Scenes on real OCR: three generated screens (a spreadsheet, a stack trace, an admin page
with an API key) replayed at 0, 3.5 and 7 s, read by RapidOCR.

Each scene gives one event and its end, spanning from its change to the next; the text keeps
the title, table rows and the trace's head and error; every word is in `ocr_text`; a secret is
located, replaced in the text and blacked out in the stored images; the offline engine says
it followed no prompt; search finds the scenes by words seen on screen.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image

from copilot.vision.indexer import VisualIndexer
from copilot.vision.keyframes import KeyframeStore
from copilot.vision.replay import ImageFolderSource
from copilot.vision.sampler import Sampler
from scripts.make_screen_recording import render_scene

TIMES = {"spreadsheet": 0.0, "terminal": 3.5, "admin": 7.0}
END = 10.0
SPANS = [(0.0, 4.0), (4.0, 7.0), (7.0, 10.0)]  # sampled once a second


@pytest.fixture(scope="module")
def screens(tmp_path_factory):
    """The replay folder, each scene's drawn texts, and the secret shown."""
    folder = tmp_path_factory.mktemp("scenes")
    texts, secret = {}, None
    for kind, t in TIMES.items():
        scr, _ = render_scene(kind)
        shown = [tx for tx in scr.texts if tx["text"] != "Sheet1"]
        bottom = max(tx["box"][3] for tx in shown) + 20
        right = max(tx["box"][2] for tx in shown) + 20
        scr.img.crop((0, 0, right, bottom)).save(folder / f"{t:04.1f}.png")
        texts[kind] = shown
        secret = next((tx["text"] for tx in shown if tx["role"].startswith("secret")), secret)
    last = folder / f"{TIMES['admin']:04.1f}.png"
    (folder / f"{END:04.1f}.png").write_bytes(last.read_bytes())  # held until 10 s
    return folder, texts, secret


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z0-9]+", text or "")}


def readable(engine, path, secret: str) -> bool:
    """Whether any 8 characters of `secret` can be read back from the image at `path`."""
    import numpy as np

    with Image.open(path) as img:
        text = "".join(ln.text for ln in engine.recognize(np.asarray(img.convert("RGB"))))
    text = re.sub(r"\s+", "", text)
    return any(secret[i : i + 8] in text for i in range(len(secret) - 7))


def test_scenes_text_times_and_secrets(screens, ocr_engine, tmp_path):
    folder, texts, secret = screens
    kept = KeyframeStore(tmp_path / "keyframes")
    recording = KeyframeStore(tmp_path / "recording")  # what the runtime's recorder keeps

    def record(frame, pts, changed, info):
        recording.add(frame, pts)
        indexer.on_frame(frame, pts, changed, info)

    results = []
    indexer = VisualIndexer(
        results.append,
        prompt="Which budget line is over?",
        ocr_engine=ocr_engine,
        keyframes=kept,
        realtime=False,
        redact=True,
        on_secrets=lambda pts, regions, size: recording.repaint(
            pts, [r.box for r in regions], size
        ),
    ).start()
    sampler = Sampler(
        ImageFolderSource(folder), record, fps=1, pace="fast", on_tick=indexer.on_tick
    )
    sampler.start().join(60)
    indexer.stop(120)

    firsts = [r for r in results if not r.ended]
    ends = {r.scene_id: r for r in results if r.ended}
    assert [(r.start, ends[r.scene_id].end) for r in firsts] == SPANS
    assert all(r.end > r.start for r in results) and len(results) == 6
    assert all(r.prompt is None and r.engine == "ocr" for r in results)
    sheet, trace, admin = firsts

    assert sheet.kind == "spreadsheet"
    assert sheet.text.startswith(
        "User is viewing a spreadsheet 'Marketing Budget.xlsx' in LibreOffice Calc: "
    )
    assert re.search(
        r"Channel \| Planned \| Actual \| Variance; Paid ads \| \$[\d,]+ \|", sheet.text
    )
    assert re.search(r"(?m)^(\d+\t)?Paid ads\t\$[\d,]+\t\$", sheet.ocr_text)  # a row stays a row
    assert "Traceback (most recent call last):" in trace.text
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in trace.text
    for kind, result in zip(TIMES, firsts, strict=True):
        visible = set().union(*(words(tx["text"]) for tx in texts[kind] if not tx["role"]))
        missing = visible - words(result.ocr_text)
        assert len(missing) <= 0.05 * len(visible), (kind, sorted(missing))

    assert [r.kind for r in admin.regions] == ["api_key"] and not sheet.regions
    assert secret not in admin.ocr_text and secret not in admin.text
    assert "[REDACTED:api_key]" in admin.ocr_text
    assert not readable(ocr_engine, kept.at(TIMES["admin"]).path, secret)
    assert not readable(ocr_engine, recording.at(TIMES["admin"]).path, secret)
    assert "Marketing Budget" in kept.at(0.5).ocr_text


@pytest.mark.slow
async def test_through_the_runtime_one_alert_and_search_by_seen_words(screens, ocr_engine, home):
    import copilot
    from tests.support.display import replay_display

    folder, _, secret = screens
    conn = copilot.connect(home=str(home), screen_fps=1, redact_sensitive=True)
    try:
        cap, client = await replay_display(conn, folder)
        cap.get_rtstream("display")[0].index_visuals(prompt="Which budget line is over?")
        events = [e async for e in client.events()]
        paid = conn.search("paid ads", session_id=cap.id)
        refused = conn.search("ConnectionRefusedError", session_id=cap.id)
    finally:
        conn.close()
    index = [e for e in events if e.type == "index"]
    # times are session times: the channel opened a fraction of a millisecond in
    spans = [(e.start, e.end) for e in index if e.revision]
    assert spans == [pytest.approx(span, abs=0.05) for span in SPANS]
    assert len(index) == 6 and all(e.end > e.start and e.prompt is None for e in index)
    alerts = [e for e in events if e.type == "alert" and e.label == "sensitive_content"]
    assert [a.kind for a in alerts] == ["api_key"] and alerts[0].start == pytest.approx(
        7.0, abs=0.05
    )
    assert all(secret not in (e.ocr_text or "") + e.text for e in index)
    assert paid[0].type == "visual_index" and paid[0].end == pytest.approx(SPANS[0][1], abs=0.05)
    assert refused[0].type == "visual_index"
    assert (refused[0].start, refused[0].end) == pytest.approx(SPANS[1], abs=0.05)
    (recording,) = (home / "sessions" / cap.id / "screen").iterdir()
    shown = KeyframeStore(recording).at(8.0)
    assert shown.t == pytest.approx(7.0, abs=0.05) and not readable(ocr_engine, shown.path, secret)
