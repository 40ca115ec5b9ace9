"""SearchIndex on a real on-disk Chroma + FTS5: hybrid retrieval, filters, restarts, deletes."""

from __future__ import annotations

import os

import pytest

from copilot.search.index import SearchIndex
from tests.search.helpers import BUDGET_IDS, SAMPLE, run_python

BY_ID = {s["id"]: s for s in SAMPLE}


def assert_hit_matches_segment(hit):
    seg = BY_ID[hit.id]
    assert (hit.start, hit.end, hit.text) == (seg["start"], seg["end"], seg["text"])
    assert (hit.session_id, hit.rtstream_id, hit.channel, hit.type) == (
        seg["session_id"],
        seg["rtstream_id"],
        seg["channel"],
        seg["type"],
    )


@pytest.mark.parametrize(
    "query",
    ["what did we say about money", "how much are we spending", "costs and expenses"],
)
def test_paraphrase_finds_the_budget_discussion(index, query):
    hits = index.search(query, session_id="cap-demo", limit=3)
    assert hits[0].id in BUDGET_IDS, [(h.id, h.search_score) for h in hits]
    assert sum(h.id in BUDGET_IDS for h in hits) >= 2
    for hit in hits:
        assert_hit_matches_segment(hit)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("4111", "sys-0"),
        ("card 4111", "sys-0"),
        ("1.2 million", "mic-2"),
        ("Priya Raman", "mic-6"),
        ("Q3 Budget Forecast", "display-0"),
        ("1,250,000", "display-0"),
        ("1250000", "display-0"),
    ],
)
def test_exact_numbers_and_names_come_first(index, query, expected):
    hits = index.search(query, limit=5)
    assert hits[0].id == expected, [(h.id, h.search_score) for h in hits]
    assert hits[0].keyword_score == 1.0
    assert_hit_matches_segment(hits[0])


def test_screen_text_hit_has_visual_type_and_display_channel(index):
    hit = index.search("spreadsheet on screen", limit=1)[0]
    assert (hit.id, hit.type, hit.channel, hit.rtstream_id) == (
        "display-0",
        "visual_index",
        "display:1",
        "rts-display",
    )
    assert (hit.start, hit.end) == (5.0, 15.0)


def test_filters_by_session_rtstream_type_and_channel(index):
    assert {h.session_id for h in index.search("budget", session_id="cap-other")} == {"cap-other"}
    assert {h.rtstream_id for h in index.search("budget", rtstream_id="rts-display")} == {
        "rts-display"
    }
    hits = index.search("budget", filter={"type": "visual_index"})
    assert {h.id for h in hits} == {"display-0", "display-1"}
    hits = index.search("budget", filter={"type": ["visual_index", "audio_index"]})
    assert {h.type for h in hits} == {"visual_index", "audio_index"}
    hits = index.search("refund", filter={"channel": "system_audio:default"})
    assert {h.id for h in hits} == {"sys-0", "sys-1"}
    assert index.search("budget", session_id="cap-demo", filter={"speaker": "Ben"})
    assert index.search("budget", session_id="no-such-session") == []
    assert index.search("budget", filter={"type": []}) == []
    with pytest.raises(ValueError):
        index.search("budget", filter={"text": "x"})


def test_scores_ordered_bounded_thresholded_limited(index):
    hits = index.search("budget for next quarter", limit=20)
    scores = [h.search_score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len(index.search("budget for next quarter", limit=2)) == 2
    cut = index.search("budget for next quarter", limit=20, score_threshold=scores[2])
    assert [h.id for h in cut] == [h.id for h in hits[:3]] or len(cut) >= 3
    assert all(h.search_score >= scores[2] for h in cut)
    assert index.search("   ") == []
    assert hits[0].to_dict()["search_score"] == hits[0].search_score


def test_add_is_idempotent_and_replaces_changed_text(tmp_path):
    idx = SearchIndex(tmp_path / "idx")
    assert idx.add(SAMPLE) == len(SAMPLE)
    assert idx.add(SAMPLE) == 0
    assert idx.count() == len(SAMPLE)
    changed = {**SAMPLE[8], "text": "The customer said the card ending 9876 was fine."}
    assert idx.add([changed]) == 1
    assert idx.count() == len(SAMPLE)
    assert idx.search("9876", limit=1)[0].id == "sys-0"
    assert all(h.keyword_score < 1.0 for h in idx.search("4111"))
    idx.close()


def test_results_survive_a_process_restart(index, sample_dir, tmp_path):
    expected = [(h.id, h.start, h.end) for h in index.search("what did we say about money")]
    result = run_python(
        f"""
        import json
        from copilot.search.index import SearchIndex
        idx = SearchIndex({str(sample_dir)!r})
        hits = idx.search("what did we say about money")
        exact = idx.search("4111", limit=1)[0]
        print(json.dumps({{"hits": [[h.id, h.start, h.end] for h in hits],
                           "exact": [exact.id, exact.start, exact.end], "count": idx.count()}}))
        """,
        tmp_path,
    )
    assert [tuple(h) for h in result["hits"]] == expected
    assert result["exact"] == ["sys-0", 30.0, 34.0]
    assert result["count"] == len(SAMPLE)


def test_build_and_search_offline_in_a_guarded_process(tmp_path):
    """Network calls and Chroma's default embedding raise in the child: it still works."""
    result = run_python(
        f"""
        import json, sys
        from copilot.search.index import SearchIndex
        idx = SearchIndex({str(tmp_path / "offline")!r})
        idx.add([{{"id": "a", "text": "Budget approved: 1.2 million", "session_id": "s"}}])
        hit = idx.search("money", limit=1)[0]
        print(json.dumps({{"id": hit.id, "onnx": "onnxruntime" in sys.modules}}))
        """,
        tmp_path,
    )
    assert result == {"id": "a", "onnx": True}


def test_importing_is_cheap(tmp_path):
    result = run_python(
        """
        import json, sys
        for name in ("chromadb", "onnxruntime", "tokenizers"):
            sys.modules.pop(name, None)
        import copilot.search.index, copilot.search.embedding, copilot.search.models
        heavy = [m for m in ("chromadb", "onnxruntime", "tokenizers") if m in sys.modules]
        print(json.dumps({"heavy": heavy}))
        """,
        tmp_path,
    )
    assert result == {"heavy": []}


def _file_bytes(root):
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                yield path, fh.read()


def test_delete_session_leaves_nothing_behind(tmp_path):
    root = tmp_path / "idx"
    idx = SearchIndex(root)
    secret = [
        {"id": f"secret-{i}", "text": f"Zanzibarquux project code QX-{i:04d} is confidential",
         "session_id": "cap-secret", "rtstream_id": "rts-secret", "start": i, "end": i + 1}
        for i in range(40)
    ]  # fmt: skip
    idx.add(secret + SAMPLE)
    vector = idx._collection.get(ids=["secret-7"], include=["embeddings"])["embeddings"][0]
    assert idx.search("Zanzibarquux", limit=1)[0].session_id == "cap-secret"

    assert idx.delete_session("cap-secret") == 40
    name = idx.collection_name
    assert idx.delete_session("cap-never-seen") == 0
    assert idx.collection_name == name  # nothing to purge, no rebuild
    assert idx.count("cap-secret") == 0
    assert idx.count() == len(SAMPLE)
    assert idx._keywords.count("cap-secret") == 0
    assert all(h.session_id != "cap-secret" for h in idx.search("Zanzibarquux QX-0007"))
    idx.close()

    needles = [b"Zanzibarquux", b"zanzibarquux", b"cap-secret", b"rts-secret", b"secret-7"]
    needles.append(bytes(memoryview(vector.astype("float32"))))  # the raw vector
    for path, data in _file_bytes(root):
        for needle in needles:
            assert needle not in data, f"{needle[:20]!r} left in {path}"

    # The other session is intact, also after reopening.
    reopened = SearchIndex(root)
    assert reopened.count() == len(SAMPLE)
    assert reopened.search("4111", limit=1)[0].id == "sys-0"
    assert reopened.search("what did we say about money", limit=1)[0].id in BUDGET_IDS
    reopened.close()


def test_spelled_and_written_numbers_find_each_other(tmp_path):
    idx = SearchIndex(tmp_path / "idx")
    idx.add(
        [
            {**SAMPLE[0], "id": "n-1", "text": "We are twelve percent over budget on ads."},
            {**SAMPLE[1], "id": "n-2", "text": "The card is 4111 1111 1111 1111."},
        ]
    )
    assert idx.search("12 %", limit=1)[0].id == "n-1"
    assert idx.search("12 %", limit=1)[0].keyword_score == 1.0
    assert idx.search("four one one one", limit=1)[0].id == "n-2"
    idx.close()


def test_an_index_from_an_older_normaliser_is_renormalised(tmp_path):
    import sqlite3

    idx = SearchIndex(tmp_path / "idx")
    idx.add([{**SAMPLE[0], "id": "n-1", "text": "We are twelve percent over budget."}])
    idx.close()
    db = sqlite3.connect(tmp_path / "idx" / "keywords.sqlite3")
    db.execute("UPDATE segments SET kw_text = 'we are twelve percent over budget'")
    db.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
    db.execute("DELETE FROM meta WHERE key = 'kw_format'")
    db.commit()
    db.close()
    idx = SearchIndex(tmp_path / "idx")
    assert idx.search("12 percent", limit=1)[0].keyword_score == 1.0
    idx.close()


@pytest.mark.parametrize(
    "query", ["ConnectionRefused", "connection refused", "ConnectionRefusedError", "user_id"]
)
def test_part_of_an_identifier_on_screen_finds_it(tmp_path, query):
    """Screens show compound words (a stack trace's exception, a column name); a user searches
    by the part they remember."""
    idx = SearchIndex(tmp_path / "idx")
    idx.add(
        [
            {**SAMPLE[0], "id": "say-1", "text": "We are twelve percent over budget on ads."},
            {**SAMPLE[10], "id": "scr-1", "text": "Traceback: ConnectionRefusedError [Errno 111]"},
            {**SAMPLE[10], "id": "scr-2", "text": "SELECT user_id, email FROM accounts"},
        ]
    )
    expected = "scr-2" if query == "user_id" else "scr-1"
    hits = idx.search(query, limit=3)
    assert hits and hits[0].id == expected, [(h.id, h.search_score) for h in hits]
    assert hits[0].keyword_score == 1.0
    assert hits[0].text.startswith(("Traceback", "SELECT"))  # the text as shown, not expanded
    idx.close()
