"""The action_items plugin with a model on a real OpenAI-compatible server (the stub on
127.0.0.1): the offline answer is emitted at once; a valid model answer replaces it in the
background (same item ids, a higher revision); an invalid or slow answer leaves it standing."""

from __future__ import annotations

import asyncio
import json

import pytest

import builtin_plugins.action_items as action_items_plugin
import copilot
from copilot.capture import CaptureClient
from copilot.intelligence import upgrade
from tests.support import openai_stub, sources
from tests.support.openai_stub import Stub

pytest.importorskip("litellm")
pytestmark = pytest.mark.filterwarnings("ignore:Item.*ReadOnly:UserWarning")
META = {"participants": ["Alex", "Priya", "Marcus"], "user_name": "Alex",
        "meeting_date": "2026-11-25"}  # fmt: skip
SAID = "Marcus, could you update the release notes before Friday?"


def model_answer(body) -> str:
    """What a model would say: the request, with the owner spelled as ASR heard it."""
    asked = json.loads(body["messages"][1]["content"])["input"]
    assert "[REDACTED" in asked["text"] or "hunter" not in asked["text"]
    if "release notes" not in asked["text"]:
        return '{"items": []}'
    item = {"text": "update the release notes and the changelog", "owner": "Markus",
            "due": "2026-11-27", "kind": "request", "confidence": 0.9}  # fmt: skip
    return json.dumps({"items": [item]})


async def run(home, stub, timeout: float, texts: list[str]):
    conn = copilot.connect(
        home=str(home), entrypoints=False, llm_model="openai/stub", llm_api_base=stub,
        llm_timeout=timeout, plugin_timeout=5.0,
    )  # fmt: skip
    conn.register_plugin(sources.TestSourcesPlugin(), "test-sources")
    conn.register_plugin(action_items_plugin, "action_items")
    try:
        cap = conn.create_capture_session(metadata=META)
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
        mic = cap.get_rtstream("mic")[0]
        for i, text in enumerate(texts):
            cap.emit({"type": "transcript", "text": text, "is_final": True, "speaker": "me",
                      "rtstream_id": mic.id, "start": i * 4.0, "end": i * 4.0 + 3})  # fmt: skip
        got: list = []

        async def collect() -> None:
            async for e in cap.events(types=["action_item", "plugin_error"]):
                got.append(e)

        reader = asyncio.ensure_future(collect())
        for _ in range(200):  # the offline answer arrives before any model answer
            if got:
                break
            await asyncio.sleep(0.05)
        first = list(got)
        assert await asyncio.to_thread(upgrade.wait_idle, timeout + 10)
        await asyncio.sleep(0.3)
        await client.stop_session()
        await asyncio.wait_for(reader, 10)
        return first, got
    finally:
        conn.close()


async def test_valid_model_answer_updates_the_offline_item(home, stub, monkeypatch):
    monkeypatch.setattr(openai_stub, "ANSWER", model_answer)
    first, events = await run(home, stub, 10, [SAID, "The admin password is hunter2."])
    offline = first[0]  # emitted before the model answered (its reading comes later)
    assert (offline.text, offline.owner, str(offline.due), offline.revision) == (
        "update the release notes", "Marcus", "2026-11-27", 0
    )  # fmt: skip
    assert "plugin_error" not in {e.type for e in events}
    item_ids = {e.item_id for e in events}
    assert len(item_ids) == 1  # the model's reading replaced the offline one, no duplicate
    last = events[-1]
    assert last.text == "update the release notes and the changelog" and last.revision == 1
    assert last.owner == "Marcus"  # "Markus" matched to the roster
    asked = [json.loads(r["body"]["messages"][1]["content"])["input"] for r in Stub.requests]
    assert all("hunter2" not in a["text"] for a in asked)  # secrets never reach the model
    assert asked[0]["speaker"] == "Alex" and asked[0]["date"] == "2026-11-25"


@pytest.mark.parametrize("answer", ["Sure! The action items are: none.", '{"items": [{"due": 3'])
async def test_invalid_model_answer_keeps_the_offline_item(home, stub, monkeypatch, answer):
    monkeypatch.setattr(openai_stub, "ANSWER", answer)
    before = dict(upgrade.STATS)
    first, events = await run(home, stub, 10, [SAID])
    assert [(e.text, e.owner, e.revision) for e in events] == [
        ("update the release notes", "Marcus", 0)
    ]
    assert first == events and upgrade.STATS["fallbacks"] == before["fallbacks"] + 1


async def test_slow_model_never_blocks_and_times_out_to_offline(home, stub, monkeypatch):
    monkeypatch.setattr(openai_stub, "ANSWER", model_answer)
    Stub.delay = 3.0
    before = dict(upgrade.STATS)
    first, events = await run(home, stub, 1, [SAID])
    assert first and first[0].owner == "Marcus"  # emitted while the model was still thinking
    assert [(e.revision, e.text) for e in events] == [(0, "update the release notes")]
    assert upgrade.STATS["fallbacks"] == before["fallbacks"] + 1
