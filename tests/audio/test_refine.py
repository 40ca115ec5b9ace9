"""The refine pass: a larger model gets spoken digits and names right; its queue stays
bounded (the oldest waiting utterance of a live stream is dropped and counted)."""

from __future__ import annotations

import re
import threading

import numpy as np

from copilot.audio.asr import AsrResult
from copilot.audio.loops import find_loop
from copilot.audio.refine import RefineJob, Refiner
from copilot.text.numbers import numbers_to_digits
from tests.audio.conftest import silence

CARD = (
    "Use four two four two, four two four two, four two four two, four two four two for the test."
)


def digits(text: str) -> str:
    return re.sub(r"\D", "", numbers_to_digits(text))


def test_spoken_digits_come_out_as_the_digits_said(engine, refine_engine, speak):
    audio = np.concatenate([silence(0.3), speak(CARD, "en-us", 170), silence(0.3)])
    live = engine.transcribe(audio, partial=False)
    assert live.retried is not None, "tiny.en loops on this card number"
    assert find_loop(live.text) is None, live.text  # ...and the guard left no loop
    refined = refine_engine.transcribe(audio, partial=False)
    assert digits(refined.text) == "4242" * 4, refined.text
    assert find_loop(refined.text) is None


def test_vocabulary_fixes_a_misheard_name(refine_engine, speak):
    audio = np.concatenate(
        [silence(0.3), speak("Thanks May, please send the report by Friday."), silence(0.3)]
    )
    plain = refine_engine.transcribe(audio, partial=False)
    biased = refine_engine.transcribe(audio, partial=False, prompt="Mei, Priya.")
    assert "Mei" not in plain.text and "May" in plain.text
    assert "Mei" in biased.text and "Friday" in biased.text


class GatedEngine:
    def __init__(self):
        self.gate = threading.Semaphore(0)
        self.seen: list[float] = []

    def transcribe(self, audio, *, partial, prompt=None):
        self.gate.acquire()
        self.seen.append(audio.size / 16000)
        return AsrResult(f"refined {audio.size}")


def test_bounded_queue_drops_oldest_of_a_live_stream_never_of_a_replay():
    engine = GatedEngine()
    results, drops = [], []
    refiner = Refiner(
        lambda: engine,
        lambda job, res: results.append((job.stream_id, res.text)),
        on_drop=lambda sid, n: drops.append((sid, n)),
        max_pending_s=5.0,
    )
    assert refiner.ready.wait(10)
    second = np.zeros(16000, np.float32)
    for _ in range(8):  # 8 s of audio on each stream, the engine blocked
        refiner.submit(RefineJob("live", second, realtime=True))
        refiner.submit(RefineJob("replay", second, realtime=False))
    stats = refiner.stats()
    assert stats["live"]["dropped"] >= 2 and drops[-1] == ("live", stats["live"]["dropped"])
    assert stats["replay"]["dropped"] == 0
    for _ in range(16):
        engine.gate.release()
    assert refiner.flush(timeout=30)
    stats = refiner.stats()
    assert stats["replay"]["done"] == 8
    assert stats["live"]["done"] + stats["live"]["dropped"] == 8
    assert refiner.close(timeout=10)
