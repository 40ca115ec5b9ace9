"""The vision-model path talks to a real OpenAI-compatible HTTP server on 127.0.0.1."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from copilot.vision.indexer import VisualIndexer
from copilot.vision.vlm import VlmConfig, VlmError, describe_frames
from tests.support.openai_stub import ANSWER, Stub

pytest.importorskip("litellm")
# litellm's own typed dicts make pydantic warn on import; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Item.*ReadOnly:UserWarning")


def image_parts(request):
    (message,) = request["body"]["messages"]
    texts = [p["text"] for p in message["content"] if p["type"] == "text"]
    images = []
    for part in message["content"]:
        if part["type"] == "image_url":
            url = part["image_url"]["url"]
            assert url.startswith("data:image/jpeg;base64,")
            raw = base64.b64decode(url.split(",", 1)[1])
            images.append(np.asarray(Image.open(io.BytesIO(raw)).convert("RGB")))
    return texts, images


def test_describe_frames_sends_image_and_prompt(stub, loopback_only):
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:, 640:] = (250, 10, 10)
    config = VlmConfig(model="openai/stub-vlm", api_base=stub, timeout=10)
    assert describe_frames([frame], "What is on screen?", config) == ANSWER
    (req,) = Stub.requests
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "stub-vlm"
    texts, (image,) = image_parts(req)
    assert texts == ["What is on screen?"] and image.shape == (720, 1280, 3)
    assert image[360, 900, 0] > 200 and image[360, 100, 0] < 30
    assert loopback_only == []  # litellm made no call beyond 127.0.0.1


def test_indexer_uses_the_model_answer(stub, ocr_engine, tmp_path):
    results = []
    indexer = VisualIndexer(
        results.append,
        prompt="Describe what the user is doing",
        batch_config={"type": "time", "value": 5, "frame_count": 2},
        model=VlmConfig(model="openai/stub-vlm", api_base=stub, timeout=10),
        ocr_engine=ocr_engine,
    ).start()
    for i, shade in enumerate((40, 200)):
        indexer.on_frame(np.full((360, 640, 3), shade, np.uint8), float(i), True, None)
    indexer.stop()
    result, end = results  # the scene, and its end when the indexer stopped
    assert result.text == ANSWER and result.engine == "vlm:openai/stub-vlm"
    assert result.prompt == "Describe what the user is doing"  # a model follows the prompt
    assert (result.start, result.end, result.frame_count) == (0.0, 1.0, 2)
    assert (end.scene_id, end.revision, end.text) == (result.scene_id, 1, ANSWER)
    texts, images = image_parts(Stub.requests[0])
    assert texts == ["Describe what the user is doing"] and len(images) == 2


def test_timeout_and_unreachable_are_clear(stub):
    Stub.delay = 3.0
    frame = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(VlmError, match="timed out after 1 s"):
        describe_frames([frame], "hi", VlmConfig("openai/stub", api_base=stub, timeout=1))
    dead = "http://127.0.0.1:9/v1"
    with pytest.raises(VlmError, match=r"'openai/stub' at http://127\.0\.0\.1:9/v1 failed"):
        describe_frames([frame], "hi", VlmConfig("openai/stub", api_base=dead, timeout=5))
