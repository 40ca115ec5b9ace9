"""Discussion vectors: a line's stored vector blends it with the lines around it in its stream."""

from __future__ import annotations

import numpy as np

from copilot.search.context import affected, discussion_vectors


def unit(v):
    return v / np.linalg.norm(v)


def test_blend_of_own_vector_and_window_mean():
    own = np.eye(4, dtype=np.float32)  # four orthogonal lines
    w = discussion_vectors(own, own_weight=0.5, before=1, after=1)
    np.testing.assert_allclose(w[0], unit(0.5 * own[0] + 0.5 * own[:2].mean(0)), atol=1e-6)
    np.testing.assert_allclose(w[1], unit(0.5 * own[1] + 0.5 * own[:3].mean(0)), atol=1e-6)
    np.testing.assert_allclose(w[3], unit(0.5 * own[3] + 0.5 * own[2:].mean(0)), atol=1e-6)


def test_a_line_leans_towards_its_discussion_not_a_shared_word():
    topic, other, word = np.eye(3, dtype=np.float32)
    # "press release" (half other topic, half the shared word) inside a discussion of `other`
    line = (other + word) / np.linalg.norm(other + word)
    stream = np.stack([other, other, line, other, other])
    w = discussion_vectors(stream, before=2, after=2)
    assert float(w[2] @ word) < float(line @ word)
    assert float(w[2] @ other) > float(line @ other)
    assert float(w[2] @ topic) == 0.0
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), 1.0, atol=1e-6)


def test_empty_stream():
    assert discussion_vectors(np.zeros((0, 3), dtype=np.float32)).shape == (0, 3)


def test_affected_positions_are_the_new_lines_and_those_whose_window_reaches_them():
    assert list(affected(10, 11, 12, before=2, after=3)) == [7, 8, 9, 10, 11]  # appended
    assert list(affected(1, 1, 2, before=6, after=6)) == [0, 1]
    assert list(affected(5, 5, 20, before=2, after=3)) == [2, 3, 4, 5, 6, 7]  # a late line
