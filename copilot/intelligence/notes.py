"""The body of an exported session's notes.md: summary, decisions, open questions, action
items (newest revision of each, withdrawn ones left out, confirmed ones marked) and alerts
(which secret, never its value). The same RunningSummary as the live summary events."""

from __future__ import annotations

from typing import Any

from copilot.intelligence.summary import RunningSummary


def _clock(seconds: float | None) -> str:
    m, s = divmod(int(seconds or 0), 60)
    return f"{m:02d}:{s:02d}"


def notes_markdown(session_id: str, events: list[Any], rows: list[dict]) -> str:
    """`rows`: the transcript as exported (final utterances, newest revision, spoken order)."""
    running = RunningSummary()
    for i, r in enumerate(rows):
        running.add(str(i), r["text"], r.get("start"))
    summary = running.snapshot()
    lines = [f"# Meeting notes — {session_id}", ""]
    lines += ["## Summary", "", summary.summary or "_nothing was said_", ""]
    lines += ["## Decisions", ""]
    lines += [f"- {d}" for d in summary.decisions] or ["_none recorded_"]
    lines += ["", "## Open questions", ""]
    lines += [f"- {q}" for q in summary.questions] or ["_none_"]
    items: dict[str, Any] = {}
    for e in events:
        if e.type == "action_item":
            old = items.get(e.item_id)
            if old is None or getattr(e, "revision", 0) >= getattr(old, "revision", 0):
                items[e.item_id] = e  # the newest version of an item wins
    live = [e for e in items.values() if getattr(e, "status", "open") != "withdrawn"]
    lines += ["", "## Action items", ""]
    for e in live:
        owner = e.owner or "unassigned"
        due = f", due {e.due}" if e.due else ""
        done = " (confirmed)" if getattr(e, "status", "open") == "confirmed" else ""
        lines.append(f"- [ ] {e.text} — {owner}{due}{done} [{_clock(e.start)}]")
    if not live:
        lines.append("_none_")
    alerts = [e for e in events if e.type == "alert"]
    lines += ["", "## Alerts", ""]
    for e in alerts:
        kind = f" ({e.kind})" if e.kind else ""
        which = f", {e.hint}" if getattr(e, "hint", None) else ""
        where = f" on {e.channel}" if e.channel else ""
        lines.append(
            f"- [{_clock(e.start)}] {e.label}{kind}{which}{where}, confidence {e.confidence:.2f}"
        )
    if not alerts:
        lines.append("_none_")
    return "\n".join(lines) + "\n"
