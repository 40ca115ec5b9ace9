"""Purging: the unused HNSW capacity Chroma writes from uninitialised memory is zeroed."""

from __future__ import annotations

import struct

from copilot.search.purge import scrub_unused_capacity


def write_index(folder, *, capacity, count, size, payload):
    folder.mkdir(parents=True)
    header = struct.pack("<I4Q", 1, 0, capacity, count, size) + bytes(100 - 36)
    (folder / "header.bin").write_bytes(header)
    (folder / "data_level0.bin").write_bytes(payload)


def test_slots_past_the_element_count_are_zeroed_and_used_ones_kept(tmp_path):
    used, garbage = b"A" * 30, b"secret-vector" * 5 + b"!!"  # 2 used slots of 15, 5 unused
    write_index(tmp_path / "seg", capacity=7, count=2, size=15, payload=used + garbage + b"x" * 8)
    assert scrub_unused_capacity(tmp_path) == 75
    data = (tmp_path / "seg" / "data_level0.bin").read_bytes()
    assert data == used + bytes(75)


def test_a_header_that_does_not_match_the_file_is_left_alone(tmp_path):
    write_index(tmp_path / "seg", capacity=9, count=2, size=15, payload=b"B" * 40)
    assert scrub_unused_capacity(tmp_path) == 0
    assert (tmp_path / "seg" / "data_level0.bin").read_bytes() == b"B" * 40
