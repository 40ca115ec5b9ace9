"""StreamingTranscriber: partials then finals, last words kept, fairness, bounded backlog."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from copilot.audio.asr import AsrResult
from copilot.audio.file_reader import FileReplayer
from copilot.audio.streaming import LagReport, StreamingTranscriber, TranscriptResult
from copilot.audio.wer import normalise, wer
from tests.audio.conftest import SR, run_stream, silence


def test_partials_before_final_and_words_at_edges(engine, speak):
    first = speak("Budget meetings are on Tuesdays from now on, in the large room.")
    last = speak("The last words before stop are pineapple and volcano")
    audio = np.concatenate([silence(2.0), first, silence(1.5), last])  # no silence at the end
    threads = set()
    results: list[TranscriptResult] = []

    def on_result(r):
        threads.add(threading.current_thread().name)
        results.append(r)

    st = StreamingTranscriber(engine, on_result, partial_interval_s=1.0)
    t0 = time.monotonic()
    for i in range(0, audio.size, 480):
        st.feed("mic", audio[i : i + 480], i / SR)
        ahead = i / SR / 2 - (time.monotonic() - t0)  # 2x real time, like a paced source
        if ahead > 0:
            threading.Event().wait(ahead)
    assert st.flush("mic", timeout=60)
    st.close()
    assert threads == {"copilot-asr"}
    finals = [r for r in results if r.is_final]
    assert len(finals) == 2
    assert normalise(finals[0].text)[0] == "budget", "first word after silence kept (pre-roll)"
    assert normalise(finals[1].text)[-2:] == ["and", "volcano"], "last words before flush kept"
    assert 1.5 < finals[0].start < 2.0 and finals[0].end < finals[1].start
    first_final_at = results.index(finals[0])
    partials = [r for r in results[:first_final_at] if not r.is_final and r.utterance == 0]
    assert partials, "partials appear before the final"
    assert all(not r.is_final for r in results[:first_final_at])
    assert not [r for r in results if not r.is_final and r.utterance == 0][len(partials) :]


def test_pause_shorter_than_hangover_gives_one_final(engine, speak):
    s = speak("We discussed the quarterly plan")
    audio = np.concatenate([silence(1.0), s, silence(0.3), s, silence(1.0)])
    finals = [r for r in run_stream(engine, audio) if r.is_final]
    assert len(finals) == 1
    assert normalise(finals[0].text).count("quarterly") == 2


def test_sample_meeting_two_streams(engine, sample_meeting):
    """Both channels replayed from their files (two threads, as fast as possible)."""
    folder, ref = sample_meeting
    audio = {ch: folder / meta["file"] for ch, meta in ref["channels"].items()}
    results: list[TranscriptResult] = []
    st = StreamingTranscriber(engine, results.append)
    ended = {ch: threading.Event() for ch in audio}
    errors = []
    for ch, path in audio.items():
        FileReplayer(
            path,
            lambda s, p, ch=ch: st.feed(ch, s, p),
            lambda e, ch=ch: (errors.append(e), ended[ch].set()),
            speed="max",
        ).start()
    assert all(ev.wait(60) for ev in ended.values()) and errors == [None, None]
    assert st.close(timeout=120)
    for ch in audio:
        finals = [r for r in results if r.is_final and r.stream_id == ch]
        refs = [u for u in ref["utterances"] if u["channel"] == ch]
        hyp = " ".join(r.text for r in finals)
        assert wer(" ".join(u["text"] for u in refs), hyp) <= 0.10, hyp
        assert len(finals) >= len(refs) - 1
        for r in finals:  # each final lies on the reference timeline
            assert any(u["start"] - 0.5 < r.end and r.start < u["end"] + 0.5 for u in refs)


class GatedEngine:
    """A test double of the AsrEngine interface: blocks until released, records the order."""

    def __init__(self):
        self.calls: list[tuple[bool, float]] = []
        self.gate = threading.Semaphore(0)

    def transcribe(self, audio, *, partial, prompt=None):
        self.calls.append((partial, audio.size / SR))
        self.gate.acquire()
        return AsrResult(f"{'p' if partial else 'f'}{audio.size}", partial=partial)


def test_finals_first_round_robin_and_bounded_backlog(speak):
    s = speak("Several streams share one worker fairly and nobody starves.")
    utterance = np.concatenate([s, silence(0.8)])
    eng = GatedEngine()
    results, lags = [], []
    st = StreamingTranscriber(eng, results.append, on_lag=lags.append, max_backlog_s=12.0)
    for sid in ("a", "b"):
        st.add_stream(sid)
    pts = {"a": 0.0, "b": 0.0}

    def feed(sid, audio):
        for i in range(0, audio.size, 480):
            st.feed(sid, audio[i : i + 480], pts[sid])
            pts[sid] += min(480, audio.size - i) / SR

    # stream a: 6 utterances queue up behind the blocked worker; b: 1 utterance
    feed("a", silence(0.5))
    for _ in range(6):
        feed("a", utterance)
    feed("b", np.concatenate([silence(0.5), utterance]))
    stats = st.stats()
    assert stats["a"]["pending_s"] <= 12.0, "backlog is bounded"
    assert stats["a"]["dropped_finals"] >= 1
    for _ in range(40):
        eng.gate.release()
    assert st.close(timeout=10)
    kinds = [p for p, _ in eng.calls]
    # the first decode was already running; after it, finals of both streams precede partials
    assert not any(kinds[1 : 1 + kinds[1:].count(False)])
    final_streams = [r.stream_id for r in results if r.is_final]
    assert "b" in final_streams[:3], "stream b is not starved behind stream a's backlog"
    assert lags and isinstance(lags[0], LagReport) and lags[0].stream_id == "a"
    assert lags[-1].dropped_finals >= 1


def test_import_is_cheap():
    import subprocess
    import sys

    code = (
        "import sys, copilot.audio.streaming, copilot.audio.devices, copilot.audio.file_reader\n"
        "heavy = ('faster_whisper', 'ctranslate2', 'av', 'soundcard', 'webrtcvad')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_failing_callback_does_not_stop_the_worker(engine, speak):
    s = speak("Callbacks may fail without losing the next result")
    audio = np.concatenate([silence(0.5), s, silence(1.0), s, silence(1.0)])
    seen = []

    def on_result(r):
        seen.append(r)
        raise RuntimeError("plugin bug")

    st = StreamingTranscriber(engine, on_result, partials=False)
    for i in range(0, audio.size, 480):
        st.feed("mic", audio[i : i + 480], i / SR)
    assert st.close(timeout=30)
    assert [r.is_final for r in seen] == [True, True]
    assert st.flush("unknown") is True
    with pytest.raises(RuntimeError):
        st.feed("mic", audio[:480], 0.0)
