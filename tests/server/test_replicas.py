"""Two `copilot serve` replicas on one PostgreSQL database: a replayed meeting streams through
replica A while replica B's subscriber watches; A is SIGKILLed mid-meeting, the capture client
goes on through B, and nothing is lost, repeated or out of order."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest

import copilot
from copilot.audio.wer import wer
from copilot.delivery.selection import DEFAULT, selected, webhook_name
from copilot.remote import RemoteConnection
from copilot.remote.capture import RemoteCaptureClient
from copilot.remote.events import iter_remote_events
from copilot.text.revisions import newest_finals
from tests.server.support import Receiver
from tests.support import replicas
from tests.support.postgres import database

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
REFERENCE = json.loads((SAMPLE / "reference.json").read_text())


@pytest.mark.slow
async def test_failover_mid_meeting_loses_nothing(tmp_path, pg_server, client_sources):
    with database(pg_server) as url:
        key = replicas.api_key(url)
        a, b = replicas.start(tmp_path, url, 2, plugins="transcript", lease_ttl="2")
        receiver = Receiver().start()
        try:
            await _run(a, b, key, receiver, client_sources)
        finally:
            receiver.stop()
            for r in (a, b):
                r.stop()


async def _run(a, b, key, receiver, sources) -> None:
    api_a, api_b = RemoteConnection(a.url, key), RemoteConnection(b.url, key)
    receiver.secret = api_b.webhook_secret()  # one secret for every replica
    cap = api_a.create_capture_session(callback_url=receiver.url, end_user_id="u1")
    seen_on_b: list = []

    async def follow_b() -> None:  # B's subscriber, from the start, until the session ends
        async for ev in iter_remote_events(b.url, key, cap.id, since=0):
            seen_on_b.append(ev)

    watcher = asyncio.create_task(follow_b())
    client = RemoteCaptureClient(
        api_a.generate_client_token(capture_session_id=cap.id),
        [a.url, b.url],
        sources=sources,
        reconnect_for=60,
    )
    channels = [
        {"channel_id": f"{ch}:file", "path": str(SAMPLE / f"{ch}.ogg"), "speed": "max"}
        for ch in ("mic", "system_audio")
    ]
    await client.start_session(cap.id, channels, stop_when_sources_end=True)
    for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
        rts.start_transcript()  # through A, which runs the session

    def finals():
        events, _ = api_b.get_capture_session(cap.id).poll(limit=5000, types=["transcript"])
        return [e for e in events if e.is_final]

    await replicas.until(lambda: len(finals()) >= 2, 120, "A to transcribe the first utterances")
    before_kill = finals()
    assert len(before_kill) < len(REFERENCE["utterances"]) - 2, "the kill must be mid-meeting"
    a.kill()

    await asyncio.wait_for(watcher, 300)  # B's subscriber follows the session to its end
    await client.shutdown()
    events, data = api_b.get_capture_session(cap.id).poll(limit=5000)
    # the session was continued, never failed, and ended normally
    assert data["status"] == "stopped"
    statuses = [e.status for e in events if e.type == "capture_session"]
    assert statuses == ["created", "starting", "active", "stopping", "stopped"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # gap-free
    # every event committed before the kill is still there, unchanged
    logged = {e.seq: e for e in events}
    assert all(logged[e.seq] == e for e in before_kill)
    # B's subscriber saw every event exactly once, in order
    assert [e.seq for e in seen_on_b] == [e.seq for e in events]
    # the log has every utterance of the meeting, each once
    got = newest_finals(events)  # one per utterance: its refined text where it was revised
    for channel in ("mic", "system_audio"):
        ref = [u for u in REFERENCE["utterances"] if u["channel"] == channel]
        mine = [e for e in got if e.channel == f"{channel}:file"]
        for u in ref:
            hits = [e for e in mine if e.start < u["end"] + 0.5 and e.end > u["start"] - 0.5]
            assert hits, f"no transcript of {u['text']!r} ({channel} {u['start']}s)"
        assert wer(" ".join(u["text"] for u in ref), " ".join(e.text for e in mine)) <= 0.15
        spans = sorted((e.start, e.end) for e in mine)
        assert all(x[1] <= y[0] + 0.3 for x, y in itertools.pairwise(spans)), spans
    # the client went on through B, resending what A had not transcribed, dropping nothing
    assert client.stats["resent_after_failover"] > 0 and client.stats["reconnects"] >= 1
    assert client.stats["dropped"] == 0
    # the webhook receiver got every state change and final (dedup by webhook-id), signed alike
    expected = {e.seq for e in events if webhook_name(e) and selected(webhook_name(e), DEFAULT)}
    await replicas.until(
        lambda: {m["seq"] for m in receiver.events(cap.id)} >= expected, 60, "every webhook"
    )
    by_id = {r.headers["webhook-id"]: r.json for r in receiver.received}
    assert {m["seq"] for m in by_id.values()} == expected
    assert receiver.bad_signatures == 0
    print(  # what happened, for the record (pytest -s)
        f"\nfailover: {len(events)} events, {len(got)} finals"
        f" ({len(before_kill)} before the kill), B's subscriber {len(seen_on_b)} events,"
        f" {len(receiver.received)} webhook POSTs for {len(expected)} webhook events,"
        f" client {client.stats}"
    )
    stats = api_b.stats()["replicas"]
    assert stats["shared_store"] and stats["takeovers"] == 1
    api_a.close()
    api_b.close()
