"""The fast (truly int8) model: built once per machine, cached, close to the bundled model,
and never a reason for search to stop working."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from copilot.search import model_build
from copilot.search.embedding import MiniLMEmbedder, default_model_path, shared_embedder

SENTENCES = [
    "Let's move the budget review to Thursday afternoon.",
    "Can we push the budget meeting to Thursday?",
    "The card ending 4111 was charged twice for the same order.",
    "I was billed two times for one purchase.",
    "Can everyone hear me okay?",
    "You're on mute, Sarah.",
    "We need two more backend engineers before the March launch.",
    "The hiring plan for Q2 includes a data scientist.",
    "The weather has been lovely this week.",
    "Our offsite party budget is small, maybe pizza.",
    "Revenue grew 12% quarter over quarter, driven by enterprise deals.",
    "Please send the slides after the call.",
    "The database migration failed at step three because of a lock timeout.",
    "Customer churn in the SMB segment is trending up.",
    "ok",
    "yes",
    "um, so, yeah",
    "Next slide please.",
    "Kubernetes pods keep getting OOM-killed under load.",
    "The legal team has not approved the contract amendment yet.",
    "Let's circle back on the pricing page copy next week.",
    "Action item: Priya to draft the incident postmortem by Friday.",
    "The new onboarding flow cut time-to-first-value in half.",
    "Nous devons finaliser le budget avant vendredi.",
    "The API rate limit is 100 requests per minute per token.",
    "Marketing wants a webinar in April about the security features.",
    "Our NPS dropped to 31 after the outage.",
    "Who owns the vendor renewal for the analytics tool?",
    "The cat sat on the mat.",
    "I think the latency regression came from the new serialization library.",
    "Could you share your screen?",
    "We'll ship the iOS release once QA signs off.",
    "The board meeting is moved to the 14th.",
    "Password reset emails are landing in spam.",
    "a much longer sentence about the quarterly planning process " * 8,
    "",
]


@pytest.fixture(scope="module")
def bundled() -> MiniLMEmbedder:
    return MiniLMEmbedder(variant="bundled")


@pytest.fixture(scope="module")
def fast() -> MiniLMEmbedder:
    """Built (if needed) in the default per-machine cache, so a test run builds it at most once."""
    embedder = MiniLMEmbedder(variant="fast")
    embedder.embed(["warm up"])
    assert embedder.variant == "fast", "the fast model was not built; see the logged warning"
    return embedder


def test_fast_model_is_cached_outside_copilot_home(fast, home):
    assert fast.model_file.parent == model_build.cache_dir()
    assert home not in fast.model_file.parents
    assert fast.model_file != default_model_path()
    assert not list(fast.model_file.parent.glob("build-*")), "temp build folder left behind"


def test_fast_vectors_agree_with_bundled(fast, bundled):
    a, b = fast.embed(SENTENCES), bundled.embed(SENTENCES)
    cosines = (a * b).sum(axis=1)
    assert cosines.mean() >= 0.98
    assert cosines.min() >= 0.93
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_fast_keeps_paraphrases_close_and_unrelated_far(fast):
    anchor, paraphrase, unrelated = fast.embed(
        ["Let's schedule the meeting for Thursday.", "Can we meet on Thursday?", "I love pasta"]
    )
    assert anchor @ paraphrase > 0.55
    assert anchor @ paraphrase > anchor @ unrelated + 0.4


def test_fast_vectors_do_not_depend_on_the_batch(fast):
    """One text per call: a text's vector is the same alone or among others."""
    assert fast.batch_size == 1
    together = fast.embed(SENTENCES)
    alone = np.stack([fast.embed_one(t) for t in SENTENCES[::7]])
    np.testing.assert_allclose(together[::7], alone, atol=1e-6)


def test_shared_embedder_is_fast_by_default(monkeypatch, fast):
    monkeypatch.delenv("COPILOT_EMBED_MODEL", raising=False)
    assert shared_embedder().variant == "fast"


def test_env_var_picks_the_bundled_model(monkeypatch):
    monkeypatch.setenv("COPILOT_EMBED_MODEL", "bundled")
    embedder = shared_embedder()
    assert embedder.variant == "bundled"
    embedder.embed(["hello"])
    assert embedder.model_file == default_model_path()
    with pytest.raises(ValueError):
        MiniLMEmbedder(variant="fp16")


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("COPILOT_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_build.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("COPILOT_CACHE_DIR")
    assert model_build.cache_dir() == tmp_path / "xdg" / "copilot"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert model_build.cache_dir() == tmp_path / "home" / ".cache" / "copilot"


def test_cache_name_keys_source_and_onnxruntime(tmp_path):
    import onnxruntime

    one, two = tmp_path / "one.onnx", tmp_path / "two.onnx"
    one.write_bytes(b"a" * 3_000_000)
    two.write_bytes(b"a" * 2_999_999 + b"b")  # same size, last MB differs
    assert model_build.fast_model_path(one) != model_build.fast_model_path(two)
    assert f"ort{onnxruntime.__version__}" in model_build.fast_model_path(one).name


@pytest.mark.slow
def test_built_once_per_cache_dir_even_when_racing(monkeypatch, tmp_path, bundled):
    """A fresh cache dir: two embedders loading at once build once; a third reuses the file."""
    monkeypatch.setenv("COPILOT_CACHE_DIR", str(tmp_path / "cache"))
    before = model_build.build_count
    racers = [MiniLMEmbedder(variant="fast"), MiniLMEmbedder(variant="fast")]
    threads = [threading.Thread(target=e.embed, args=(["hi"],)) for e in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert model_build.build_count == before + 1
    assert [e.variant for e in racers] == ["fast", "fast"]
    built = racers[0].model_file
    assert built == racers[1].model_file and built.parent == tmp_path / "cache"
    mtime = built.stat().st_mtime_ns

    again = MiniLMEmbedder(variant="fast")
    vectors = again.embed(SENTENCES[:4])
    assert again.model_file == built and again.variant == "fast"
    assert model_build.build_count == before + 1
    assert built.stat().st_mtime_ns == mtime
    assert [p.name for p in built.parent.iterdir() if p.suffix == ".onnx"] == [built.name]
    assert (vectors * bundled.embed(SENTENCES[:4])).sum(axis=1).min() > 0.95


def test_failed_build_falls_back_to_bundled_with_a_warning(monkeypatch, tmp_path, caplog, bundled):
    def broken(source, out, workdir):
        raise RuntimeError("no onnx here")

    monkeypatch.setenv("COPILOT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(model_build, "convert_in_child", broken)
    embedder = MiniLMEmbedder(variant="fast")
    with caplog.at_level(logging.WARNING, logger="copilot.search.embedding"):
        vectors = embedder.embed(SENTENCES[:3])
    assert embedder.variant == "bundled" and embedder.model_file == default_model_path()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "no onnx here" in warnings[0].getMessage()
    np.testing.assert_allclose(vectors, bundled.embed(SENTENCES[:3]), atol=1e-5)


def test_unwritable_cache_dir_falls_back(monkeypatch, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COPILOT_CACHE_DIR", str(blocker / "cache"))
    embedder = MiniLMEmbedder(variant="fast")
    with caplog.at_level(logging.WARNING, logger="copilot.search.embedding"):
        assert embedder.embed(["still works"]).shape == (1, 384)
    assert embedder.variant == "bundled"
    assert "bundled" in caplog.text


def test_broken_build_output_is_rejected_not_published(monkeypatch, tmp_path, caplog):
    def garbage(source, out: Path, workdir):
        out.write_bytes(b"not an onnx model")

    cache = tmp_path / "cache"
    monkeypatch.setenv("COPILOT_CACHE_DIR", str(cache))
    monkeypatch.setattr(model_build, "convert_in_child", garbage)
    embedder = MiniLMEmbedder(variant="fast")
    with caplog.at_level(logging.WARNING, logger="copilot.search.embedding"):
        embedder.embed(["hi"])
    assert embedder.variant == "bundled"
    assert not list(cache.glob("*.onnx"))
    assert not list(cache.glob("build-*"))
