"""The capture-session state machine, as data, so every rule lives in one place."""

from __future__ import annotations

from copilot.errors import IllegalTransition

TRANSITIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"starting", "failed"}),
    "starting": frozenset({"active", "failed"}),
    "active": frozenset({"stopping", "failed"}),
    "stopping": frozenset({"stopped", "failed"}),
    "stopped": frozenset({"exported"}),
    "exported": frozenset({"exported"}),  # exporting again refreshes the export
    "failed": frozenset(),
}
LIVE = frozenset({"starting", "active", "stopping"})
TERMINAL = frozenset({"stopped", "exported", "failed"})


def check_transition(session_id: str, current: str, target: str) -> None:
    """Raise `IllegalTransition` with the allowed targets if `current → target` is not legal."""
    if target not in TRANSITIONS:
        raise IllegalTransition(f"unknown session status {target!r}")
    allowed = TRANSITIONS[current]
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "nothing (terminal state)"
        raise IllegalTransition(
            f"capture session {session_id} cannot go from {current!r} to {target!r};"
            f" from {current!r} it can go to: {options}"
        )
