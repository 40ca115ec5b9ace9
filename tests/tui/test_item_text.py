"""An action item's line in the insights panel: owner and due date, today said as today."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from copilot.tui.widgets.insights import item_text


def test_due_today_reads_today_and_other_days_by_weekday():
    today = date.today()
    item = SimpleNamespace(text="share the slides", owner="Alex", due=today)
    assert item_text(item, masked=True).plain == "☐ share the slides  (Alex · due today)"
    later = today + timedelta(days=3)
    item.due, item.owner = later, None
    assert item_text(item, masked=True).plain.endswith(f"(unassigned · due {later:%a})")
    assert item_text(item, masked=False).plain.endswith(f"{later.day} {later:%b})")
