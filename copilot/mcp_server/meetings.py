"""What the MCP tools read, through the public API only: an embedded connection
(`copilot.connect()`) or a `copilot serve` backend (`copilot.connect(base_url, api_key)`).

Every method returns plain JSON-able data (times in seconds from the session's start), so
the MCP layer only has to describe it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from copilot.errors import CopilotError
from copilot.events import Event

LIVE_TYPES = ("transcript", "action_item", "alert", "index")


def _line(ev: Event) -> dict[str, Any]:
    return {
        "start": ev.start,
        "end": ev.end,
        "channel": ev.channel,
        "speaker": getattr(ev, "speaker", None),
        "speaker_id": getattr(ev, "speaker_id", None),
        "text": ev.text,
    }


def newest_revisions(events: list[Event]) -> list[Event]:
    """Finals with the newest revision per utterance_id (a refine pass replaces text)."""
    best: dict[str, Event] = {}
    alone = []
    for ev in events:
        uid = getattr(ev, "utterance_id", None)
        if uid is None:
            alone.append(ev)
        elif uid not in best or ev.revision >= best[uid].revision:
            best[uid] = ev
    return sorted([*alone, *best.values()], key=lambda e: (e.start or 0.0, e.seq))


class Meetings:
    def __init__(self, conn: Any, clips_dir: Path | None = None) -> None:
        self.conn = conn
        self.remote = hasattr(conn, "base_url")
        runtime = getattr(conn, "runtime", None)
        home = getattr(runtime, "home", None)
        self.clips_dir = clips_dir or (Path(home) / "clips" if home is not None else None)

    # ------------------------------------------------------------------ sessions
    def sessions(self, status: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        out = []
        for cap in self.conn.list_capture_sessions(status=status, limit=limit):
            rec = cap.record
            out.append(
                {
                    "id": rec.id,
                    "status": rec.status,
                    "created_at": rec.created_at,
                    "started_at": rec.started_at,
                    "end_user_id": rec.end_user_id,
                    "metadata": rec.metadata,
                    "channels": [c["channel_id"] for c in rec.channels],
                }
            )
        return out

    def _session(self, session_id: str):
        return self.conn.get_capture_session(session_id)

    def _events(self, cap, types: list[str], since: int = 0) -> tuple[list[Event], dict]:
        events: list[Event] = []
        while True:
            page, data = cap.poll(since=since, limit=5000, types=types)
            events.extend(page)
            since = data["next_since"]
            if len(page) < 5000:
                return events, data

    # ------------------------------------------------------------------ reading
    def transcript(
        self,
        session_id: str,
        start: float | None = None,
        end: float | None = None,
        limit: int = 500,
    ) -> dict[str, Any]:
        """Final transcript of every audio channel within [start, end], in time order."""
        cap = self._session(session_id)
        finals: list[Event] = []
        for rts in [*cap.get_rtstream("mic"), *cap.get_rtstream("system_audio")]:
            page_no = 1
            while True:
                page = rts.get_transcript(page=page_no, page_size=500, start=start, end=end)
                finals.extend(page.items)
                if page_no * page.page_size >= page.total:
                    break
                page_no += 1
        lines = [_line(ev) for ev in newest_revisions(finals)]
        return {"session_id": session_id, "lines": lines[:limit], "total": len(lines)}

    def search(
        self, query: str, session_id: str | None = None, limit: int = 10, clips: bool = True
    ) -> list[dict[str, Any]]:
        """Hits over what was said and shown, with times and (embedded) clip files."""
        hits = self.conn.search(query, session_id=session_id, limit=limit)
        out = []
        for hit in hits:
            data = hit if isinstance(hit, dict) else hit.to_dict()
            item = {
                "session_id": data["session_id"],
                "start": data["start"],
                "end": data["end"],
                "text": data["text"],
                "type": data["type"],
                "channel": data.get("channel"),
                "speaker": data.get("speaker"),
                "score": round(float(data.get("search_score", 0.0)), 4),
            }
            item.update(self._clip(hit, item) if clips else {})
            out.append(item)
        return out

    def _clip(self, hit: Any, item: dict[str, Any]) -> dict[str, Any]:
        if isinstance(hit, dict) or self.clips_dir is None:
            return {"clip": None, "clip_note": "clips are cut where the recordings are kept"}
        name = f"{item['session_id']}-{item['start']:07.1f}"
        try:
            clip = hit.export_clip(self.clips_dir / name)
        except CopilotError as exc:  # e.g. a session recorded with store=False
            return {"clip": None, "clip_note": str(exc)}
        return {
            "clip": str(clip.audio),
            "keyframe": str(clip.keyframe) if clip.keyframe else None,
        }

    def action_items(self, session_id: str) -> list[dict[str, Any]]:
        events, _ = self._events(self._session(session_id), ["action_item"])
        latest: dict[str, Event] = {}
        for ev in events:
            latest[ev.item_id] = ev  # an amended item replaces the earlier version
        return [
            {
                "item_id": ev.item_id,
                "text": ev.text,
                "owner": ev.owner,
                "due": ev.due.isoformat() if ev.due else None,
                "start": ev.start,
                "confidence": ev.confidence,
            }
            for ev in latest.values()
        ]

    def alerts(self, session_id: str) -> list[dict[str, Any]]:
        events, _ = self._events(self._session(session_id), ["alert"])
        keep = ("label", "kind", "text", "confidence", "triggered", "start", "end", "channel")
        return [{k: getattr(ev, k) for k in keep} for ev in events]

    def live_tail(
        self, session_id: str, since: int = 0, wait_seconds: float = 0.0, lines: int = 20
    ) -> dict[str, Any]:
        """What the session said and raised after seq `since` (the last `lines` finals when
        `since` is 0); waits up to `wait_seconds` for something new while it is live."""
        cap = self._session(session_id)
        deadline = time.monotonic() + max(0.0, min(wait_seconds, 60.0))
        while True:
            events, data = self._events(cap, list(LIVE_TYPES), since)
            fresh = [e for e in events if e.type != "transcript" or e.is_final]
            if fresh or data["ended"] or time.monotonic() >= deadline:
                break
            time.sleep(0.25)  # another process writes the log: nothing to wait on but it
        said = [e for e in fresh if e.type == "transcript"][-lines:]
        other = [e for e in fresh if e.type != "transcript"]
        return {
            "session_id": session_id,
            "status": data["status"],
            "next_since": data["next_since"],
            "transcript": [_line(e) for e in said],
            "insights": [{"event": e.event, **_insight(e)} for e in other],
        }

    def notes(self, session_id: str) -> str:
        """The session's notes as markdown (summary, decisions, action items, alerts)."""
        from copilot.export import notes_markdown, transcript_rows

        cap = self._session(session_id)
        events, _ = self._events(cap, ["transcript", "action_item", "alert"])
        finals = [e for e in events if e.type != "transcript" or e.is_final]
        kept = [*newest_revisions([e for e in finals if e.type == "transcript"])]
        kept += [e for e in finals if e.type != "transcript"]
        return notes_markdown(cap.record, kept, transcript_rows(kept))


def _insight(ev: Event) -> dict[str, Any]:
    keep = ("text", "label", "owner", "due", "confidence", "index_type", "start", "channel")
    out = {k: getattr(ev, k) for k in keep if getattr(ev, k, None) is not None}
    if "due" in out:
        out["due"] = out["due"].isoformat()
    return out
