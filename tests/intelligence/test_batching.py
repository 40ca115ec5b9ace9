"""index_audio batches: by words, sentences or seconds; bad configs fail clearly."""

import pytest

from copilot.intelligence.batching import BatchConfig, Batcher


def feed(batcher, items):
    return [b for text, s, e in items if (b := batcher.add(text, s, e)) is not None]


def test_word_batches():
    b = Batcher({"type": "word", "value": 5})
    done = feed(b, [("one two three", 0, 1), ("four five six", 1, 2), ("seven", 2, 3)])
    assert [d.text for d in done] == ["one two three four five six"]
    assert (done[0].start, done[0].end) == (0, 2)
    assert b.flush().text == "seven" and b.flush() is None


def test_sentence_and_time_batches():
    b = Batcher({"type": "sentence", "value": 2})
    done = feed(b, [("Hi there. How are you?", 0, 2), ("Fine.", 2, 3)])
    assert [d.text for d in done] == ["Hi there. How are you?"]
    t = Batcher({"type": "time", "value": 10})
    done = feed(t, [("a b", 0, 4), ("c d", 5, 9), ("e f", 9.5, 12), ("g", 13, 14)])
    assert [d.text for d in done] == ["a b c d e f"] and t.flush().start == 13


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "minute", "value": 1}, "must be word, sentence or time"),
        ({"type": "word", "value": "ten"}, "must be a number"),
        ({"type": "time", "value": 0}, "must be in"),
        ({"type": "word", "value": 10, "x": 1}, "unknown keys x"),
    ],
)
def test_bad_configs(config, message):
    with pytest.raises(ValueError, match=message):
        BatchConfig.parse(config)
