"""Meeting intelligence on real speech: espeak-ng voices on two channels → real faster-whisper
→ the builtin plugins. The user's own commitment is owned by the user, the reply to a request
updates it (no second item), a card number read out (digits as ASR writes them) alerts once
with which card, and nothing becomes an item of the line that only carried it."""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from datetime import date

import numpy as np
import pytest

import copilot
from copilot.capture import CaptureClient
from copilot.intelligence.readout import value_digits

pytestmark = pytest.mark.slow
SR = 16000
MIC, THEM = "en-us+m3", "en-gb+f3"
SCRIPT = [  # (channel, voice, text)
    ("mic", MIC, "I'll reach out to the agency about the banner sizes."),
    ("system_audio", THEM, "Sam, could you send me the revised forecast by Friday?"),
    ("mic", MIC, "Sure, I will have the revised forecast ready by Friday."),
    (
        "system_audio",
        THEM,
        "Thanks. My card number is four one four one, four one four one, "
        "four one four one, four one four one.",
    ),
    ("mic", MIC, "Got it, talk to you next week."),
]


def make_meeting(folder) -> dict[str, str]:
    """One 16 kHz WAV per channel, each utterance at its turn, silence on the other side."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install -y espeak-ng)")
    from copilot.audio.decode import read_audio_file

    tracks: dict[str, list[np.ndarray]] = {"mic": [], "system_audio": []}
    for i, (channel, voice, text) in enumerate(SCRIPT):
        out = folder / f"u{i}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(out), text], check=True)
        speech = read_audio_file(out)
        gap = np.zeros(int(0.8 * SR), np.float32)
        for name, track in tracks.items():
            track.append(speech if name == channel else np.zeros_like(speech))
            track.append(gap)
    paths = {}
    for name, parts in tracks.items():
        pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2")
        path = folder / f"{name}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SR)
            w.writeframes(pcm.tobytes())
        paths[name] = str(path)
    return paths


async def test_items_confirmation_and_garbled_card_on_real_speech(home, tmp_path):
    paths = make_meeting(tmp_path)
    conn = copilot.connect(home=str(home), drain_timeout=120)
    try:
        cap = conn.create_capture_session(
            metadata={
                "participants": ["Sam", "Ines"],
                "user_name": "Sam",
                "meeting_date": "2027-01-13",
            }
        )
        client = CaptureClient(client_token=conn.generate_client_token(capture_session_id=cap.id))
        channels = [
            {"channel_id": f"{name}:file", "path": path, "speed": "max"}
            for name, path in paths.items()
        ]
        await client.start_session(
            capture_session_id=cap.id, channels=channels, stop_when_sources_end=True
        )
        for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
            rts.start_transcript()
        events = [ev async for ev in client.events()]
    finally:
        conn.close()
    said = [e.text for e in events if e.type == "transcript" and e.is_final]
    assert not [e for e in events if e.type == "plugin_error"], said
    latest: dict = {}
    for e in events:
        if e.type == "action_item":
            latest[e.item_id] = e
    items = sorted(latest.values(), key=lambda e: e.start)
    assert len(items) == 2, (said, [(e.text, e.owner, e.status, e.start) for e in items])
    agency, forecast = items
    assert "agency" in agency.text and agency.owner == "Sam"
    assert "forecast" in forecast.text and forecast.owner == "Sam"
    assert forecast.due == date(2027, 1, 15) and forecast.status == "confirmed"
    assert forecast.revision >= 1  # the reply updated the request: same item_id
    alerts = [e for e in events if e.type == "alert" and e.label == "sensitive_content"]
    card_line = next(t for t in said if "card" in t.lower())
    # redact_sensitive is on by default: the stored line holds no digits of the card, and
    # the alert still says which card (the last 4 digits as ASR heard them)
    assert "[REDACTED:card_number]" in card_line and not value_digits(card_line), card_line
    assert [(a.kind, a.channel) for a in alerts] == [("card_number", "system_audio:file")], said
    assert re.fullmatch(r"ending \d{4}", alerts[0].hint), alerts[0].hint
    assert "4141" not in alerts[0].text and "four one" not in alerts[0].text
