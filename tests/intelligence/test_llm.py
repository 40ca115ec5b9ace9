"""The model path through litellm: offline provider, mock_response, and a real HTTP stub on
127.0.0.1; timeouts, errors and invalid JSON fall back to the offline answer and say so."""

import json
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from copilot import llm
from copilot.intelligence.tasks import ActionItems, Answer
from copilot.llm import OFFLINE_MODEL, LlmConfig, build_messages, complete_json, get_task
from tests.support import openai_stub
from tests.support.openai_stub import Stub

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports it
pytest.importorskip("litellm")
pytestmark = pytest.mark.filterwarnings("ignore:Item.*ReadOnly:UserWarning")

ITEM = {
    "text": "Prayer will send the revised budget by Friday.",
    "speaker": "Alex",
    "participants": ["Alex", "Priya", "Marcus"],
    "date": "2026-11-25",
}


def test_offline_default_needs_no_model():
    res = complete_json(None, ActionItems, task="action_items", payload=ITEM)
    assert res.model == OFFLINE_MODEL and not res.fallback and res.engine == "offline"
    (item,) = res.value.items
    assert (item.owner, item.due.isoformat()) == ("Priya", "2026-11-27")


def test_offline_provider_is_registered_with_litellm(loopback_only):
    litellm = llm.litellm_module()
    messages = build_messages(get_task("action_items"), ITEM)
    reply = litellm.completion(model=OFFLINE_MODEL, messages=messages)
    assert json.loads(reply.choices[0].message.content)["items"][0]["owner"] == "Priya"
    via = complete_json(
        None, ActionItems, task="action_items", payload=ITEM, config=LlmConfig(via_litellm=True)
    )
    assert via.value == complete_json(None, ActionItems, task="action_items", payload=ITEM).value
    assert loopback_only == []


def test_mock_response_valid_and_invalid(caplog):
    good = LlmConfig("gpt-4o-mini", extra={"mock_response": '{"answer": "They chose Monday."}'})
    res = complete_json(
        "decisions?",
        Answer,
        task="answer",
        payload={"text": "We decided to ship on Monday."},
        config=good,
    )
    assert (res.value.answer, res.model, res.fallback) == (
        "They chose Monday.",
        "gpt-4o-mini",
        False,
    )
    fenced = LlmConfig("gpt-4o-mini", extra={"mock_response": '```json\n{"answer": "ok"}\n```'})
    assert (
        complete_json(
            None, Answer, task="answer", payload={"text": "x"}, config=fenced
        ).value.answer
        == "ok"
    )
    bad = LlmConfig("gpt-4o-mini", extra={"mock_response": '{"answer": 3'})
    with caplog.at_level(logging.WARNING, "copilot.llm"):
        res = complete_json(
            "decisions?",
            Answer,
            task="answer",
            payload={"text": "Good. We decided to ship on Monday."},
            config=bad,
        )
    assert res.fallback and res.model == OFFLINE_MODEL and res.engine == "offline (fallback)"
    assert res.value.answer == "We decided to ship on Monday."
    assert "answered offline instead" in caplog.text


def test_stub_server_answer_is_used(stub, monkeypatch, loopback_only):
    monkeypatch.setattr(
        openai_stub,
        "ANSWER",
        json.dumps(
            {
                "items": [
                    {
                        "text": "send the revised budget",
                        "owner": "Priya",
                        "due": "2026-11-27",
                        "confidence": 0.9,
                    }
                ]
            }
        ),
    )
    config = LlmConfig("openai/stub-llm", api_base=stub, timeout=10)
    res = complete_json(None, ActionItems, task="action_items", payload=ITEM, config=config)
    assert not res.fallback and res.model == "openai/stub-llm"
    assert res.value.items[0].text == "send the revised budget"
    (req,) = Stub.requests
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "stub-llm"
    system, user = req["body"]["messages"]
    assert "copilot-task: action_items" in system["content"] and '"items"' in system["content"]
    assert json.loads(user["content"])["input"]["participants"] == ["Alex", "Priya", "Marcus"]
    assert loopback_only == []


def test_stub_prose_timeout_and_dead_server_fall_back(stub):
    prose = complete_json(
        None,
        ActionItems,
        task="action_items",
        payload=ITEM,
        config=LlmConfig("openai/stub", api_base=stub, timeout=10),
    )
    assert prose.fallback and "not JSON" in prose.reason
    assert prose.value.items[0].owner == "Priya"  # the offline answer
    Stub.delay = 3.0
    slow = complete_json(
        None,
        ActionItems,
        task="action_items",
        payload=ITEM,
        config=LlmConfig("openai/stub", api_base=stub, timeout=1),
    )
    assert slow.fallback and "timed out after 1 s" in slow.reason
    Stub.delay = 0.0
    dead = complete_json(
        None,
        ActionItems,
        task="action_items",
        payload=ITEM,
        config=LlmConfig("openai/stub", api_base="http://127.0.0.1:9/v1", timeout=5),
    )
    assert dead.fallback and "failed" in dead.reason


def test_litellm_fallbacks_to_the_offline_model_are_reported():
    config = LlmConfig(
        "openai/stub", api_base="http://127.0.0.1:9/v1", timeout=3, fallbacks=(OFFLINE_MODEL,)
    )
    res = complete_json(
        None,
        Answer,
        task="answer",
        payload={"text": "Good. We decided to ship on Monday."},
        config=config,
    )
    assert res.fallback and res.model == OFFLINE_MODEL and "fell back" in res.reason
    assert res.value.answer == "We decided to ship on Monday."


def test_config_from_settings():
    assert LlmConfig.from_settings(None).offline
    s = SimpleNamespace(
        llm_model="openai/local",
        llm_api_base="http://127.0.0.1:8080/v1",
        llm_timeout=5,
        llm_retries=2,
        llm_fallbacks="gpt-4o-mini, copilot/offline",
    )
    c = LlmConfig.from_settings(s)
    assert (c.model, c.api_base, c.timeout, c.retries) == ("openai/local", s.llm_api_base, 5.0, 2)
    assert c.fallbacks == ("gpt-4o-mini", "copilot/offline") and not c.offline
    assert LlmConfig.from_settings(s, model="gpt-4o").model == "gpt-4o"


NO_NETWORK = """
import socket, sys
tried = []
real = socket.socket.connect
def guard(self, address):
    tried.append(address)
    raise OSError("no network in this test")
socket.socket.connect = guard
real_gai = socket.getaddrinfo
def gai(host, *a, **k):
    if host not in ("127.0.0.1", "localhost", "::1"):
        tried.append(host)
        raise OSError("no network in this test")
    return real_gai(host, *a, **k)
socket.getaddrinfo = gai
from copilot import llm
from copilot.intelligence.tasks import Answer
litellm = llm.litellm_module()
res = llm.complete_json("decisions", Answer, task="answer",
                        payload={"text": "Good. We decided to ship on Monday."},
                        config=llm.LlmConfig(via_litellm=True))
assert res.value.answer == "We decided to ship on Monday." and not res.fallback, res
print("TRIED", tried)
"""


def test_default_path_makes_no_outbound_connection():
    """A fresh interpreter: importing litellm through copilot and answering offline opens no
    socket (litellm's remote cost-map fetch included)."""
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    out = subprocess.run(
        [sys.executable, "-c", NO_NETWORK], capture_output=True, text=True, env=env, timeout=90
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "TRIED []" in out.stdout


def test_requests_ask_for_structured_output(stub, monkeypatch):
    monkeypatch.setattr(openai_stub, "ANSWER", '{"items": []}')
    config = LlmConfig("openai/stub", api_base=stub, timeout=10)
    complete_json(None, ActionItems, task="action_items", payload=ITEM, config=config)
    fmt = Stub.requests[-1]["body"]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "action_items"
    assert "items" in fmt["json_schema"]["schema"]["properties"]
