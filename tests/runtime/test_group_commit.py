"""Group commit (copilot.runtime.groupcommit): events published in one loop turn share one
transaction, each caller gets its own event with its own seq in the order it asked, live
readers see them in seq order, and an event the log refuses fails only its own caller."""

from __future__ import annotations

import asyncio

import pytest

from copilot.errors import InvalidEvent
from copilot.events import AlertEvent


async def test_one_turn_one_commit_own_seqs_and_one_bad_event_fails_alone(conn):
    rt = conn.runtime
    cap = conn.create_capture_session()

    async def on_loop():
        cursor = rt.cursor(cap.id, since=1, until_end=False)
        before = rt.group_commit.flushes
        drafts = [
            rt.draft(cap.id, {"type": "alert", "label": f"a{i}", "confidence": 0.5})
            for i in range(10)
        ]
        # one the log cannot store, built past validation (as a buggy caller could)
        drafts[4] = AlertEvent.model_construct(
            **{**drafts[4].__dict__, "label": "lone \ud800 surrogate"}
        )
        results = await asyncio.gather(
            *(rt.publish_grouped(d) for d in drafts), return_exceptions=True
        )
        batch = await cursor.next_batch()
        cursor.close()
        return results, batch, rt.group_commit.flushes - before

    results, live, flushes = await asyncio.wrap_future(
        asyncio.run_coroutine_threadsafe(on_loop(), rt.loop)
    )
    assert flushes == 1
    assert isinstance(results[4], InvalidEvent)
    good = [r for i, r in enumerate(results) if i != 4]
    assert [e.label for e in good] == [f"a{i}" for i in range(10) if i != 4]
    assert [e.seq for e in good] == list(range(2, 11))  # in the order asked, gap-free
    assert [e.seq for e in live] == [e.seq for e in good]
    logged = rt.call(lambda: rt.log.read(cap.id, types=["alert"]))
    assert [e.label for e in logged] == [e.label for e in good]


async def test_a_caller_that_goes_away_still_has_its_event_stored(conn):
    rt = conn.runtime
    cap = conn.create_capture_session()

    async def on_loop():
        draft = rt.draft(cap.id, {"type": "alert", "label": "left", "confidence": 0.5})
        task = asyncio.ensure_future(rt.publish_grouped(draft))
        await asyncio.sleep(0)  # queued for this turn's commit
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0)

    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(on_loop(), rt.loop))
    logged = rt.call(lambda: rt.log.read(cap.id, types=["alert"]))
    assert [e.label for e in logged] == ["left"]


async def test_events_arriving_turn_after_turn_wait_for_each_other_a_lone_one_does_not(conn):
    rt = conn.runtime
    cap = conn.create_capture_session()

    async def on_loop():
        def alert(i):
            return rt.draft(cap.id, {"type": "alert", "label": f"s{i}", "confidence": 0.5})

        before = rt.group_commit.flushes
        tasks = []
        for i in range(5):  # a busy server: one more request every turn
            tasks.append(asyncio.ensure_future(rt.publish_grouped(alert(i))))
            await asyncio.sleep(0)
        stream = await asyncio.gather(*tasks)
        streamed = rt.group_commit.flushes - before
        await asyncio.sleep(0.05)  # then quiet
        lone = asyncio.ensure_future(rt.publish_grouped(alert(9)))
        turns = 0
        while not lone.done() and turns < 10:
            await asyncio.sleep(0)
            turns += 1
        return stream, streamed, turns, lone.result()

    stream, streamed, turns, lone = await asyncio.wrap_future(
        asyncio.run_coroutine_threadsafe(on_loop(), rt.loop)
    )
    assert streamed <= 3  # without waiting: one commit per turn, 5
    assert [e.seq for e in stream] == list(range(2, 7))
    # queued, committed in the next turn, its caller resumed: no turn spent waiting
    assert turns == 3 and lone.seq == 7
