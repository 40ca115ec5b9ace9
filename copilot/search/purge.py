"""Make a deleted session really gone from Chroma's files, not just unreachable.

Chroma's ``delete`` only marks HNSW slots deleted (the floats stay in ``data_level0.bin``),
keeps the original adds in its write-ahead queue until a sync threshold is reached, and
leaves freed SQLite pages holding text. So after a delete we copy the surviving records into
a fresh collection, drop the old one (its queue rows go with it), remove HNSW folders no
segment owns any more, and VACUUM ``chroma.sqlite3``. This costs a copy of the index
(~40 s at 100k segments on 2 cores), which is acceptable for an explicit user delete.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PAGE = 2000


def next_name(name: str) -> str:
    """copilot-segments -> copilot-segments-2 -> copilot-segments-3 ..."""
    base, _, num = name.rpartition("-")
    if num.isdigit():
        return f"{base}-{int(num) + 1}"
    return f"{name}-2"


def copy_collection(old: Any, new: Any) -> int:
    """Copy every record (vector, document, metadata) from one collection into another."""
    copied, offset = 0, 0
    while True:
        page = old.get(include=["embeddings", "documents", "metadatas"], limit=PAGE, offset=offset)
        if not page["ids"]:
            return copied
        new.add(
            ids=page["ids"],
            embeddings=page["embeddings"],
            documents=page["documents"],
            metadatas=page["metadatas"],
        )
        copied += len(page["ids"])
        offset += PAGE


def remove_orphan_segments(chroma_dir: Path) -> list[Path]:
    """Delete HNSW folders whose segment no longer exists in Chroma's catalogue."""
    db = sqlite3.connect(str(chroma_dir / "chroma.sqlite3"))
    try:
        live = {row[0] for row in db.execute("SELECT id FROM segments")}
    finally:
        db.close()
    removed = []
    for child in chroma_dir.iterdir():
        if child.is_dir() and _UUID.match(child.name) and child.name not in live:
            shutil.rmtree(child)
            removed.append(child)
    return removed


def vacuum(chroma_dir: Path) -> None:
    """Rewrite chroma.sqlite3 so freed pages (deleted text and metadata) are dropped."""
    db = sqlite3.connect(str(chroma_dir / "chroma.sqlite3"), timeout=30, isolation_level=None)
    try:
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
