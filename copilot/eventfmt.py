"""One-line renderings of events for terminals (`copilot events`, `run`, `demo --no-tui`)."""

from __future__ import annotations

from copilot.events import Event


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "     "
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m):02d}:{s:04.1f}"


def summary(ev: Event) -> str:
    """The part of an event a person reads: text, status, label…"""
    data = ev.model_dump(exclude=set(Event.model_fields))
    t = ev.type
    if t == "capture_session":
        extra = f" ({data['reason']})" if data.get("reason") else ""
        return f"{data.get('previous') or '-'} → {data['status']}{extra}"
    if t == "transcript":
        who = f"{data['speaker']}: " if data.get("speaker") else ""
        mark = "" if data["is_final"] else " …"
        if data.get("revision"):  # the refine pass's text, replacing the line it revises
            mark = f" (refined #{data['revision']})"
        return f"{who}{data['text']}{mark}"
    if t == "index":
        return f"[{data['index_type']}] {data['text']}"
    if t == "alert":
        kind = f" {data['kind']}" if data.get("kind") else ""
        return f"{data['label']}{kind} confidence={data['confidence']:.2f}"
    if t == "action_item":
        owner = data.get("owner") or "unassigned"
        due = f" due {data['due']}" if data.get("due") else ""
        return f"{data['text']} ({owner}{due})"
    if t == "plugin_error":
        return f"{data['plugin']}.{data['hook']} {data['kind']}: {data['error']}"
    if t == "channel":
        return f"{data['status']}" + (f" ({data['reason']})" if data.get("reason") else "")
    return " ".join(f"{k}={v}" for k, v in data.items() if v not in (None, "", [], {}))


def line(ev: Event) -> str:
    channel = ev.channel or ""
    return f"#{ev.seq:<5} {clock(ev.start)} {ev.type:<15} {channel:<20} {summary(ev)}"
