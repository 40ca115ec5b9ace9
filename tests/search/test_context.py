"""Context vectors: a segment's vector leans towards the lines before it in its own stream."""

from __future__ import annotations

import numpy as np

from copilot.search.context import context_vectors
from copilot.search.models import Segment

BASIS = {"a": [1, 0, 0], "b": [0, 1, 0], "c": [0, 0, 1], "z": [1, 1, 0]}


def fake_embed(texts):
    return np.array([BASIS[t] for t in texts], dtype=np.float32)


def unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def seg(id_, text, start, stream="r1"):
    return Segment(id=id_, text=text, session_id="s", rtstream_id=stream, start=start)


def test_previous_lines_of_the_same_stream_only():
    asked = []

    def preceding(segment, n):
        asked.append((segment.id, n))
        return ["z"] if segment.rtstream_id == "r1" else []

    segments = [seg("2", "b", 2.0), seg("1", "a", 1.0), seg("3", "c", 3.0), seg("x", "c", 0, "r2")]
    out = context_vectors(segments, fake_embed, preceding, window=2, weight=1.0)
    np.testing.assert_allclose(out[1], unit(np.array([1, 0, 0]) + np.array([1, 1, 0])), atol=1e-6)
    np.testing.assert_allclose(
        out[0], unit(np.array([0, 1, 0]) + np.mean([[1, 1, 0], [1, 0, 0]], 0))
    )
    np.testing.assert_allclose(
        out[2], unit(np.array([0, 0, 1]) + np.mean([[1, 0, 0], [0, 1, 0]], 0))
    )
    np.testing.assert_allclose(out[3], [0, 0, 1])  # other stream, nothing before it
    assert sorted(asked) == [("1", 2), ("x", 2)]  # one lookup per stream, for its first line


def test_window_zero_is_plain_embedding():
    out = context_vectors(
        [seg("1", "a", 0), seg("2", "b", 1)], fake_embed, lambda s, n: [], window=0
    )
    np.testing.assert_allclose(out, [[1, 0, 0], [0, 1, 0]])
