"""Boilerplate scores: lines with many near-duplicates in *other* sessions score high."""

from __future__ import annotations

import numpy as np

from copilot.search.boilerplate import MIN_COUNT, BoilerplateScorer


def unit(*v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


SMALL_TALK, BUDGET, HIRING = unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)


def scorer(sessions, vectors):
    return BoilerplateScorer(lambda: (sessions, vectors))


def test_repeated_across_sessions_is_common_unique_is_not():
    sessions = [f"cap-{i}" for i in range(MIN_COUNT)]
    s = scorer(sessions, [SMALL_TALK] * MIN_COUNT)
    common = s.score(["cap-new", "cap-new"], np.stack([unit(1, 0.2, 0), BUDGET]))
    assert common[0] == 1.0 and common[1] == 0.0


def test_same_session_repeats_do_not_count():
    s = scorer(["cap-a"] * MIN_COUNT, [SMALL_TALK] * MIN_COUNT)
    assert s.score(["cap-a"], np.stack([SMALL_TALK]))[0] == 0.0


def test_a_few_near_duplicates_are_not_boilerplate_yet():
    s = scorer([f"cap-{i}" for i in range(MIN_COUNT - 1)], [BUDGET] * (MIN_COUNT - 1))
    score = s.score(["cap-new"], np.stack([BUDGET]))[0]
    assert 0 < score < 1  # two teams discussing the budget twice is not small talk


def test_new_lines_count_each_other_and_join_the_sample():
    s = scorer([], [])
    n = MIN_COUNT + 1
    batch = np.stack([SMALL_TALK] * n)
    assert (s.score([f"cap-{i}" for i in range(n)], batch) == 1.0).all()
    s.add([f"cap-{i}" for i in range(n)], batch)
    assert s.score(["cap-x"], np.stack([SMALL_TALK]))[0] == 1.0


def test_reservoir_is_bounded_and_forgets_deleted_sessions():
    s = BoilerplateScorer(lambda: ([], []), size=50)
    s.add([f"cap-{i % 3}" for i in range(500)], [HIRING] * 500)
    assert len(s._vectors) == 50
    s.forget("cap-0")
    assert "cap-0" not in s._sessions and len(s._vectors) == len(s._sessions)
