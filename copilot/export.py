"""Write a stopped session to a folder people and tools can use without copilot.

session.json and events.jsonl (everything), transcript.json/.srt/.vtt (final utterances),
notes.md (summary, decisions, open questions, action items, alerts, with times), audio/ (one
FLAC per channel), screen/ and keyframes/ (what was on screen, with times). Writing again
replaces the files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from copilot.events import Event
from copilot.store import RTStreamRecord, SessionRecord
from copilot.store.private import create_private, private_dir, private_tree
from copilot.text.revisions import newest_finals


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _clock(seconds: float | None) -> str:
    m, s = divmod(int(seconds or 0), 60)
    return f"{m:02d}:{s:02d}"


def transcript_rows(events: list[Event]) -> list[dict]:
    """One row per utterance, its newest revision's text (the refine pass replaces the live
    final), in time order."""
    rows = [
        {
            "start": e.start or 0.0,
            "end": e.end if e.end is not None else (e.start or 0.0),
            "speaker": e.speaker,
            "channel": e.channel,
            "text": e.text,
            "seq": e.seq,
            "utterance_id": e.utterance_id,
            "revision": e.revision,
            "speaker_id": e.speaker_id,
        }
        for e in newest_finals(events)
    ]
    return sorted(rows, key=lambda r: (r["start"], r["seq"]))


def to_srt(rows: list[dict]) -> str:
    blocks = []
    for i, r in enumerate(rows, 1):
        who = f"{r['speaker']}: " if r["speaker"] else ""
        span = f"{_stamp(r['start'], ',')} --> {_stamp(max(r['end'], r['start']), ',')}"
        blocks.append(f"{i}\n{span}\n{who}{r['text']}\n")
    return "\n".join(blocks)


def to_vtt(rows: list[dict]) -> str:
    out = ["WEBVTT", ""]
    for r in rows:
        end = max(r["end"], r["start"])
        out.append(f"{_stamp(r['start'], '.')} --> {_stamp(end, '.')}")
        out.append(f"<v {r['speaker']}>{r['text']}" if r["speaker"] else r["text"])
        out.append("")
    return "\n".join(out)


def notes_markdown(record: SessionRecord, events: list[Event], rows: list[dict]) -> str:
    from copilot.intelligence.notes import notes_markdown as notes

    return notes(record.id, events, rows)


def write_export(
    out: Path,
    record: SessionRecord,
    streams: list[RTStreamRecord],
    events: Iterable[Event],
    session_files: Path | None = None,
) -> list[Path]:
    private_dir(out)
    events = list(events)
    rows = transcript_rows(events)
    info = {**record.model_dump(), "rtstreams": [s.model_dump() for s in streams]}
    files = {
        "session.json": json.dumps(info, indent=2),
        "events.jsonl": "".join(ev.model_dump_json() + "\n" for ev in events),
        "transcript.json": json.dumps(rows, indent=1),
        "transcript.srt": to_srt(rows),
        "transcript.vtt": to_vtt(rows),
        "notes.md": notes_markdown(record, events, rows),
    }
    written = []
    for name, text in files.items():
        tmp = out / f".{name}.tmp"
        create_private(tmp)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out / name)
        written.append(out / name)
    if session_files is not None:
        for sub in ("audio", "screen", "keyframes"):
            src = session_files / sub
            if src.is_dir():
                shutil.copytree(src, out / sub, dirs_exist_ok=True)
                private_tree(out / sub)
                written.append(out / sub)
    return written
