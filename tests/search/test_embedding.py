"""The offline MiniLM embedding: same numbers as sentence-transformers, cheap padding, 2 threads.

Each test runs on the bundled model and on the fast (truly int8) copy built from it.
"""

from __future__ import annotations

import numpy as np
import pytest

from copilot.search.embedding import DIMENSION, MAX_LENGTH, MiniLMEmbedder

# How far each variant may stray from sentence-transformers' published fp32 similarities.
TOLERANCE = {"bundled": 0.01, "fast": 0.03}


@pytest.fixture(scope="module", params=["fast", "bundled"])
def embedder(request) -> MiniLMEmbedder:
    embedder = MiniLMEmbedder(variant=request.param)
    embedder.embed(["warm up"])
    assert embedder.variant == request.param  # the fast build did not fall back
    return embedder


def cos(embedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return float(va @ vb)


def test_vectors_are_unit_length_384d(embedder):
    vectors = embedder.embed(["hello world", "", "a much longer sentence " * 100])
    assert vectors.shape == (3, DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Cosine similarities sentence-transformers publishes for all-MiniLM-L6-v2 (fp32);
        # the bundled int8 weights stay within 0.01 of them, the fast model within 0.03.
        ("The new movie is awesome", "The new movie is so great", 0.8939),
        ("The cat sits outside", "The dog plays in the garden", 0.2838),
        ("A man is playing guitar", "A woman watches TV", -0.0327),
        ("I love pasta", "Do you like pizza?", 0.5096),
    ],
)
def test_matches_sentence_transformers(embedder, a, b, expected):
    assert cos(embedder, a, b) == pytest.approx(expected, abs=TOLERANCE[embedder.variant])


def test_paraphrases_close_unrelated_far(embedder):
    close = cos(embedder, "Let's schedule the meeting for Thursday.", "Can we meet on Thursday?")
    far = cos(embedder, "Let's schedule the meeting for Thursday.", "The cat sat on the mat.")
    assert close > 0.6
    assert far < 0.15


def test_batch_padding_does_not_change_vectors(embedder):
    texts = ["short", "a somewhat longer sentence about the quarterly budget", "mid length text"]
    batched = embedder.embed(texts)
    single = np.stack([embedder.embed_one(t) for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_pads_to_batch_longest_not_256(embedder):
    embedder.embed(["warm up"])
    encodings = embedder._tokenizer.encode_batch(["hi", "a slightly longer sentence here"])
    assert len(encodings[0].ids) == len(encodings[1].ids) < 16
    long = embedder._tokenizer.encode("word " * 1000)
    assert len(long.ids) == MAX_LENGTH


def test_threads_limited(embedder):
    embedder.embed(["warm up"])
    assert embedder.threads <= 2
    assert embedder._session.get_session_options().intra_op_num_threads <= 2
