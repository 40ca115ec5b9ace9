"""Stored vectors follow the discussion: live appends, bulk adds and rebuilt indexes agree."""

from __future__ import annotations

import numpy as np

from copilot.search.boilerplate import MIN_COUNT
from copilot.search.index import FORMAT, SearchIndex
from tests.search.helpers import SAMPLE


def stored_vectors(idx: SearchIndex) -> dict[str, np.ndarray]:
    got = idx._collection.get(include=["embeddings"])
    return {cid: np.asarray(vec) for cid, vec in zip(got["ids"], got["embeddings"], strict=True)}


def assert_same_vectors(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for cid in a:
        np.testing.assert_allclose(a[cid], b[cid], atol=2e-3, err_msg=cid)


def test_lines_arriving_one_by_one_end_up_as_if_added_together(tmp_path):
    """A live stream adds each final as it comes; earlier lines' vectors are re-written as
    their look-ahead window fills, so the result equals indexing the whole meeting at once."""
    with SearchIndex(tmp_path / "bulk") as bulk, SearchIndex(tmp_path / "live") as live:
        bulk.add(SAMPLE)
        for seg in sorted(SAMPLE, key=lambda s: s["start"]):
            live.add([seg])
        assert_same_vectors(stored_vectors(bulk), stored_vectors(live))
        query = "what did we say about money"
        assert [h.id for h in live.search(query)] == [h.id for h in bulk.search(query)]


def test_a_late_line_in_the_middle_rewrites_its_neighbours(tmp_path):
    ordered = sorted(SAMPLE, key=lambda s: s["start"])
    late = ordered[len(ordered) // 2]
    with SearchIndex(tmp_path / "bulk") as bulk, SearchIndex(tmp_path / "late") as idx:
        bulk.add(SAMPLE)
        idx.add([s for s in SAMPLE if s is not late])
        idx.add([late])
        assert_same_vectors(stored_vectors(bulk), stored_vectors(idx))


LONG = [  # one stream longer than a write batch (ADD_BATCH) and varied enough to embed apart
    {
        "id": f"long-{i}",
        "text": f"Line {i}: ticket QA-{i * 7 % 1000} moved to {['todo', 'review', 'done'][i % 3]}.",
        "session_id": "cap-long",
        "rtstream_id": "rts-long",
        "start": float(i),
        "end": i + 0.5,
    }
    for i in range(300)
]


def test_an_index_from_an_older_version_is_rebuilt_on_open(tmp_path):
    path = tmp_path / "idx"
    with SearchIndex(path) as idx:
        idx.add(SAMPLE + LONG)
        expected = stored_vectors(idx)
        first = idx.collection_name
        idx._keywords.set_meta("format", "1")  # as written before vectors followed discussions
        idx._keywords._db.execute("UPDATE segments SET vec = NULL")
    with SearchIndex(path) as idx:
        assert idx.collection_name != first
        assert idx._keywords.get_meta("format", "") == FORMAT
        assert idx.count() == len(SAMPLE) + len(LONG)
        assert_same_vectors(expected, stored_vectors(idx))
        assert idx.search("1.2 million", limit=1)[0].id == "mic-2"
    names = [p.name for p in (path / "chroma").iterdir() if p.is_dir()]
    assert len(names) == 1  # the old collection's HNSW folder is gone


OPENERS = ["", "Okay, ", "Sorry, ", "Hi all, ", "Right, ", "So, ", "Hello, ", "Um, "]
FORMS = ["can everyone hear me?", "can you all hear me okay?", "can everybody hear me now?"]
SMALL_TALK = [o + f if o else f.capitalize() for f in FORMS for o in OPENERS][: MIN_COUNT + 2]


def test_small_talk_said_in_every_meeting_ranks_below_content_and_stays_out_of_chroma(
    tmp_path,
):
    """A line with near-duplicates in many other meetings is boilerplate: kept (count,
    keyword search) but out of the vector collection, and below content when both match."""
    with SearchIndex(tmp_path / "idx") as idx:
        for n, text in enumerate(SMALL_TALK):
            where = {"session_id": f"cap-{n}", "rtstream_id": f"rts-{n}"}
            idx.add(
                [
                    {"id": f"hello-{n}", "text": text, "start": 0.0, "end": 2.0, **where},
                    {
                        "id": f"topic-{n}",
                        "text": f"Item {n}: the audio interface for the studio costs {n}00 euros.",
                        "start": 3.0,
                        "end": 6.0,
                        **where,
                    },
                ]
            )
        last = f"hello-{len(SMALL_TALK) - 1}"
        in_chroma = set(idx._collection.get(include=[])["ids"])
        assert last not in in_chroma and "hello-0" in in_chroma  # the first had no others yet
        assert idx.count() == 2 * len(SMALL_TALK)
        common = {h.id: h for h in idx.search("hear me", limit=20)}
        assert last in common  # still found, by keywords
        hits = idx.search("audio", limit=3)
        assert all(h.id.startswith("topic-") for h in hits), [h.id for h in hits]
