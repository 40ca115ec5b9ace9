"""Background indexing: hooks only queue; one thread indexes in order; readers can wait."""

from __future__ import annotations

import threading

from copilot.search.background import BackgroundIndexer
from copilot.search.models import Segment


def seg(i: int) -> Segment:
    return Segment(id=f"s-{i}", text=f"line {i}", session_id="cap-1")


def test_segments_are_indexed_in_order_and_flush_waits_for_them():
    gate = threading.Event()
    added: list[str] = []

    def add(batch):
        gate.wait(5)
        added.extend(s.id for s in batch)

    idx = BackgroundIndexer(add)
    for i in range(5):
        idx.put(seg(i))  # returns at once although the first add is blocked
    assert idx.pending() == 5 and added == []
    assert idx.flush(timeout=0.2) is False  # still blocked: says so instead of hanging
    gate.set()
    assert idx.flush(timeout=5) is True
    assert added == [f"s-{i}" for i in range(5)] and idx.indexed == 5
    idx.close()


def test_a_failing_segment_is_reported_and_the_rest_indexed():
    added, failures = [], []

    def add(batch):
        if any(s.id == "s-2" for s in batch):
            raise ValueError("bad segment")
        added.extend(s.id for s in batch)

    idx = BackgroundIndexer(add, on_error=lambda s, exc: failures.append((s.id, str(exc))))
    for i in range(4):
        idx.put(seg(i))
    idx.close()
    assert sorted(added) == ["s-0", "s-1", "s-3"]
    assert failures == [("s-2", "bad segment")] and idx.failed == 1
