"""Write a stopped session to a folder: its record, streams and full event log.

Later features add files (transcript formats, notes, audio); the folder is the unit users
copy, archive or hand to another tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from copilot.events import Event
from copilot.store import RTStreamRecord, SessionRecord


def write_export(
    out: Path, record: SessionRecord, streams: list[RTStreamRecord], events: Iterable[Event]
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    info = {**record.model_dump(), "rtstreams": [s.model_dump() for s in streams]}
    session_file = out / "session.json"
    session_file.write_text(json.dumps(info, indent=2))
    events_file = out / "events.jsonl"
    tmp = events_file.with_suffix(".jsonl.tmp")
    with tmp.open("w") as f:
        for ev in events:
            f.write(ev.model_dump_json() + "\n")
    tmp.replace(events_file)
    return [session_file, events_file]
