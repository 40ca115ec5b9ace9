"""Optional vision-model path: sampled frames + prompt -> a model's answer, through litellm.

Any litellm provider works ("gpt-4o-mini", "anthropic/claude-…", "ollama/llava"), and so does a
user's own OpenAI-compatible server: model "openai/<name>" with `api_base`. litellm is imported
lazily (≈3 s) with LITELLM_LOCAL_MODEL_COST_MAP=True so importing it makes no network call.
Frames travel as base64 JPEG data URLs, downscaled to `max_side` to keep requests small.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass, field

import numpy as np


class VlmError(RuntimeError):
    """The vision model could not answer (timeout, unreachable, refused, empty answer)."""


@dataclass(frozen=True)
class VlmConfig:
    """Which model to ask and how; `extra` goes to litellm.completion as keyword arguments."""

    model: str
    api_base: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_tokens: int = 300
    max_side: int = 1280
    jpeg_quality: int = 80
    extra: dict = field(default_factory=dict)


def _litellm():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError as exc:
        raise VlmError("the vision-model path needs `pip install litellm`") from exc
    litellm.telemetry = False
    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banners on errors
    return litellm


def jpeg_data_url(frame: np.ndarray, max_side: int = 1280, quality: int = 80) -> str:
    """H×W×3 RGB -> 'data:image/jpeg;base64,…' (downscaled so the longest side ≤ max_side)."""
    from PIL import Image

    img = Image.fromarray(np.ascontiguousarray(frame[:, :, :3]), "RGB")
    if max(img.size) > max_side:
        img.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def build_messages(frames: list[np.ndarray], prompt: str, config: VlmConfig) -> list[dict]:
    content: list[dict] = [{"type": "text", "text": prompt}]
    for frame in frames:
        url = jpeg_data_url(frame, config.max_side, config.jpeg_quality)
        content.append({"type": "image_url", "image_url": {"url": url}})
    return [{"role": "user", "content": content}]


def describe_frames(frames: list[np.ndarray], prompt: str, config: VlmConfig) -> str:
    """Send frames + prompt to the configured model; return its answer text or raise VlmError."""
    if not frames:
        raise VlmError("no frames to send to the vision model")
    litellm = _litellm()
    kwargs = dict(config.extra)
    if config.api_base:
        kwargs["api_base"] = config.api_base
        # The OpenAI client insists on a key even when a local server ignores it.
        kwargs["api_key"] = config.api_key or "sk-local"
    elif config.api_key:
        kwargs["api_key"] = config.api_key
    where = f" at {config.api_base}" if config.api_base else ""
    try:
        response = litellm.completion(
            model=config.model,
            messages=build_messages(frames, prompt, config),
            max_tokens=config.max_tokens,
            timeout=config.timeout,
            num_retries=0,
            **kwargs,
        )
    except Exception as exc:
        name = type(exc).__name__
        if "timeout" in name.lower() or "timed out" in str(exc).lower():
            msg = f"vision model {config.model!r}{where} timed out after {config.timeout:g} s"
            raise VlmError(msg) from None
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise VlmError(f"vision model {config.model!r}{where} failed: {name}: {first}") from None
    try:
        text = response.choices[0].message.content
    except (AttributeError, IndexError, KeyError):
        text = None
    if not text or not str(text).strip():
        raise VlmError(f"vision model {config.model!r}{where} returned an empty answer")
    return str(text).strip()
