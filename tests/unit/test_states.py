"""The session state machine table."""

from __future__ import annotations

import itertools

import pytest

from copilot.errors import IllegalTransition
from copilot.runtime.states import TRANSITIONS, check_transition

LEGAL = {
    ("created", "starting"),
    ("starting", "active"),
    ("active", "stopping"),
    ("stopping", "stopped"),
    ("stopped", "exported"),
    ("exported", "exported"),
    ("created", "failed"),
    ("starting", "failed"),
    ("active", "failed"),
    ("stopping", "failed"),
}


@pytest.mark.parametrize(("a", "b"), list(itertools.product(TRANSITIONS, TRANSITIONS)))
def test_only_the_documented_transitions_are_legal(a, b):
    if (a, b) in LEGAL:
        check_transition("cap-x", a, b)
    else:
        with pytest.raises(IllegalTransition, match=f"from '{a}' to '{b}'"):
            check_transition("cap-x", a, b)


def test_unknown_target():
    with pytest.raises(IllegalTransition, match="unknown session status 'paused'"):
        check_transition("cap-x", "active", "paused")
