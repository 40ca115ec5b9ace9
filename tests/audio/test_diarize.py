"""Speakers within a channel: real voice embeddings (Resemblyzer's weights, run in numpy),
online clustering into stable ids, and naming a voice that answers when addressed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from copilot.audio.diarize import Diarization, OnlineVoices, addressed
from tests.audio.conftest import silence

SR = 16000
PRIYA = ("en-gb+f2", 62, 170)  # espeak variant, pitch, words per minute
MARCUS = ("en-us+m3", 35, 160)


@pytest.fixture(scope="module")
def voice(tmp_path_factory):
    """voice(who, text) -> 16 kHz speech in that voice, trimmed of silence."""
    import shutil
    import subprocess

    from copilot.audio.decode import read_audio_file

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install -y espeak-ng)")
    folder = tmp_path_factory.mktemp("voices")

    def make(who: tuple[str, int, int], text: str) -> np.ndarray:
        out = folder / f"{abs(hash((who, text)))}.wav"
        variant, pitch, wpm = who
        cmd = ["espeak-ng", "-v", variant, "-p", str(pitch), "-s", str(wpm), "-w", str(out), text]
        subprocess.run(cmd, check=True)
        audio = read_audio_file(out)
        voiced = np.flatnonzero(np.abs(audio) > 0.01)
        return audio[voiced[0] : voiced[-1] + 1].copy()

    return make


@pytest.fixture(scope="module")
def encoder():
    from copilot.audio.voice_embedding import VoiceModelMissing, shared_encoder

    try:
        return shared_encoder()
    except VoiceModelMissing as exc:
        pytest.fail(f"the speaker-embedding weights are part of the install: {exc}")


def stream(category: str, rtstream_id: str, participants=("Alex", "Priya", "Marcus")):
    settings = SimpleNamespace(meeting_participants=None, user_name=None)
    return SimpleNamespace(
        id="cap-1",
        rtstream_id=rtstream_id,
        category=category,
        metadata={"participants": list(participants), "user_name": "Alex"},
        runtime=SimpleNamespace(settings=settings),
    )


def test_the_same_voice_is_closer_than_another_voice(encoder, voice):
    a1 = encoder.embed(voice(PRIYA, "The quarterly numbers look better than we expected."))
    a2 = encoder.embed(voice(PRIYA, "I will send the report to the team tomorrow."))
    b1 = encoder.embed(voice(MARCUS, "The quarterly numbers look better than we expected."))
    assert a1.shape == (256,) and abs(float(np.linalg.norm(a1)) - 1) < 1e-5
    assert float(a1 @ a2) > float(a1 @ b1) + 0.05  # the voice, not the words


def test_online_voices_keep_ids_stable():
    voices = OnlineVoices()
    e1, e2 = np.eye(4)[0], np.eye(4)[1]
    assert voices.assign(e1, 2.0).label == "them-1"
    assert voices.assign(e2, 2.0).label == "them-2"
    assert voices.assign((e1 + 0.1 * e2) / np.linalg.norm(e1 + 0.1 * e2), 2.0).label == "them-1"
    assert voices.assign(e2 + 0.0, 0.5).label == "them-2"
    # too short to start a voice of its own: the closest voice it is
    assert voices.assign(np.eye(4)[2], 0.6).label in ("them-1", "them-2")
    assert len(voices.voices) == 2


def test_addressed_by_name():
    names = ["Priya", "Marcus"]
    assert addressed("Priya, can you take the pricing page?", names) == "Priya"
    assert addressed("What do you think about the budget, Marcus?", names) == "Marcus"
    assert addressed("Okay Marcus: your turn.", names) == "Marcus"
    assert addressed("I told Priya about it yesterday.", names) is None
    assert addressed("Thanks Priya", names) == "Priya"
    assert addressed("Let us start with the budget. Priya, where are we?", names) == "Priya"


def test_a_voice_answering_to_two_names_loses_its_name():
    from copilot.audio.diarize import SessionSpeakers

    session = SessionSpeakers(["Priya", "Marcus"])
    _, voices = session.channel("rts-loop")
    merged = voices.assign(np.eye(4)[0], 3.0)
    session.heard("Priya, where are we?", 10.0)
    session.answered(merged, 10.5)
    assert merged.label == "Priya"
    session.heard("Marcus, how is the release going?", 20.0)
    session.answered(voices.assign(np.eye(4)[0], 3.0), 20.5)  # the same "voice" answers
    assert merged.label == "them-1" and merged.doubtful


def test_system_audio_voices_get_ids_and_the_answering_voice_its_name(encoder, voice):
    """Two remote voices on one loopback channel; the mic addresses Marcus, Marcus answers."""
    speakers = Diarization(encoder)
    mic, loop = stream("mic", "rts-mic"), stream("system_audio", "rts-loop")
    clock = [0.0]

    def say(who: tuple[str, int, int], text: str) -> str | None:
        wav = voice(who, text)
        start = clock[0]
        speakers.feed(loop, np.concatenate([wav, silence(0.5)]), start)
        clock[0] += len(wav) / SR + 0.5
        return speakers.label(loop, text, start, start + len(wav) / SR)

    assert [
        say(PRIYA, "The quarterly numbers look better than we expected this time."),
        say(MARCUS, "We should ship the release next week if the tests pass."),
        say(PRIYA, "I will send the report to the whole team tomorrow morning."),
    ] == ["them-1", "them-2", "them-1"]

    t = clock[0]
    assert speakers.label(mic, "Marcus, can you take the action item?", t, t + 2.0) is None
    clock[0] += 2.5
    assert say(MARCUS, "Sure, I can have it ready by Wednesday.") == "Marcus"
    assert say(MARCUS, "And the budget for the offsite was approved yesterday.") == "Marcus"
    assert say(PRIYA, "Great, that settles the plan for the launch.") == "them-1"  # not addressed
