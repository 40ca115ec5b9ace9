"""Make a deleted session really gone from Chroma's files, not just unreachable.

Chroma's ``delete`` only marks HNSW slots deleted (the floats stay in ``data_level0.bin``),
keeps the original adds in its write-ahead queue until a sync threshold is reached, and
leaves freed SQLite pages holding text. So after a delete we copy the surviving records into
a fresh collection, drop the old one (its queue rows go with it), remove HNSW folders no
segment owns any more, and VACUUM ``chroma.sqlite3``. Chroma also writes an HNSW index's whole
allocated capacity to ``data_level0.bin``, and the slots past its element count hold whatever
the process's memory held (we found a deleted session's vector there): those are zeroed. This
costs a copy of the index (~40 s at 100k segments on 2 cores), which is acceptable for an
explicit user delete.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import struct
from pathlib import Path
from typing import Any

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PAGE = 2000
log = logging.getLogger(__name__)
#: hnswlib's header as Chroma persists it: a u32 version, then offsetLevel0, max_elements,
#: cur_element_count and size_data_per_element (u64 each).
_HEADER = struct.Struct("<I4Q")


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


def scrub_unused_capacity(chroma_dir: Path) -> int:
    """Zero the slots of every ``data_level0.bin`` past its element count (hnswlib never reads
    them); returns the bytes zeroed. A header that does not match the file is left alone."""
    zeroed = 0
    for data in chroma_dir.glob("*/data_level0.bin"):
        header = data.with_name("header.bin")
        try:
            raw = header.read_bytes()[: _HEADER.size]
            _, offset, capacity, count, size = _HEADER.unpack(raw)
        except (OSError, struct.error):
            continue
        length = data.stat().st_size
        if offset != 0 or size <= 0 or count > capacity or capacity * size != length:
            log.warning("not scrubbing %s: its header does not match the file", data)
            continue
        start = count * size
        if start < length:
            with data.open("r+b") as f:
                f.seek(start)
                for lo in range(start, length, 1 << 20):
                    f.write(bytes(min(1 << 20, length - lo)))
            zeroed += length - start
    return zeroed
