"""The shipped sample meeting: small, consistent with its reference, one shared timeline."""

from __future__ import annotations

import itertools

from copilot.audio.decode import read_audio_file


def test_sample_meeting_files(sample_meeting):
    folder, ref = sample_meeting
    assert sum(p.stat().st_size for p in folder.iterdir()) < 1_500_000
    assert 60 <= ref["duration"] <= 120
    assert set(ref["channels"]) == {"mic", "system_audio"}
    assert len(ref["channels"]["mic"]["speakers"]) == 1
    assert len(ref["channels"]["system_audio"]["speakers"]) == 2
    durations = {}
    for ch, meta in ref["channels"].items():
        audio = read_audio_file(folder / meta["file"])
        durations[ch] = audio.size / 16000
        assert abs(durations[ch] - ref["duration"]) < 0.1
    utts = ref["utterances"]
    assert all(u["start"] < u["end"] <= ref["duration"] for u in utts)
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(utts))  # turns
    text = " ".join(u["text"] for u in utts)
    assert "Priya will send the revised budget by Friday" in text
    assert ref["action_items"] and ref["decisions"] and ref["sensitive"]
    assert ref["sensitive"][0]["value"] in text
