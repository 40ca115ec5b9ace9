"""The refine pass through the public API, on real models: a name fixed by the vocabulary and
a card number read out digit by digit reach readers and the sensitive-content plugin.
(tests/e2e/test_revisions.py pins the case where only the revision has the card.)"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import copilot
from copilot.capture import CaptureClient
from copilot.text.numbers import numbers_to_digits
from copilot.text.revisions import newest_finals

NAME = "Thanks May, please send the report by Friday."  # espeak says "Mei" as "May"
CARD = (
    "Use four two four two, four two four two, four two four two, four two four two for the test."
)


@pytest.fixture
def meeting_wav(tmp_path):
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox make the speech (apt-get install -y espeak-ng sox)")
    parts = []
    for i, (text, voice, wpm) in enumerate([(NAME, "en-us+m3", 145), (CARD, "en-gb", 160)]):
        raw = tmp_path / f"raw{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True)
        parts += [str(raw)]
    gap = tmp_path / "gap.wav"
    subprocess.run(
        ["sox", "-n", "-r", "22050", "-c", "1", str(gap), "trim", "0", "1.5"], check=True
    )
    out = tmp_path / "call.wav"
    subprocess.run(
        ["sox", "-R", parts[0], str(gap), parts[1], "-r", "16000", "-c", "1", str(out),
         "pad", "0.5", "1.0"],
        check=True,
    )  # fmt: skip
    return out


@pytest.mark.slow
async def test_refined_revision_fixes_a_name_and_raises_the_card_alert(home, meeting_wav):
    # the digits the refine pass wrote are checked below: clear text, so redaction off
    conn = copilot.connect(home=str(home), drain_timeout=120, redact_sensitive=False)
    try:
        cap = conn.create_capture_session(end_user_id="e2e")
        client = CaptureClient(client_token=conn.generate_client_token(capture_session_id=cap.id))
        await client.start_session(
            capture_session_id=cap.id,
            channels=[{"channel_id": "mic:file", "path": str(meeting_wav), "speed": "max"}],
            stop_when_sources_end=True,
        )
        mic = cap.get_rtstream("mic")[0]
        mic.start_transcript(vocabulary=["Mei"])
        events = [ev async for ev in client.events()]
    finally:
        conn.close()
    finals = [e for e in events if e.type == "transcript" and e.is_final]
    live = [e for e in finals if e.revision == 0]
    newest = newest_finals(events)
    assert len(newest) == len(live) >= 2
    assert any("Mei" in e.text for e in newest), [e.text for e in newest]
    card = "4242" * 4
    with_card = [e for e in newest if card in re.sub(r"\D", "", numbers_to_digits(e.text))]
    assert with_card, [e.text for e in newest]
    alerts = [e for e in events if e.type == "alert" and e.label == "sensitive_content"]
    assert any(a.start == pytest.approx(with_card[0].start, abs=1) for a in alerts), alerts
