"""The one place that talks to language models, through litellm, with an offline default.

Each *task* ("answer", "action_items", "alert_rules", …) has instructions for a real model
and an offline implementation (plain Python in `copilot.intelligence`). `complete_json` sends
the task's input as JSON, validates the reply with a pydantic model, and falls back to the
offline implementation when the model times out, fails or returns invalid JSON — the result
says so (`fallback=True`, `reason`) and a warning is logged, so nothing is silently lost.

The offline implementations are also an in-process litellm provider (`copilot/offline`,
registered through `litellm.custom_provider_map`), so `litellm.completion("copilot/offline")`
and `llm_fallbacks=["copilot/offline"]` work. When the configured model *is* the offline one,
the task runs directly: the same code, without litellm's multi-second import on the default
path. litellm is imported lazily with LITELLM_LOCAL_MODEL_COST_MAP=True and telemetry off, so
the default run makes no outbound connection.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger("copilot.llm")

OFFLINE_PROVIDER = "copilot"
OFFLINE_MODEL = "copilot/offline"
TASK_MARKER = "copilot-task:"

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Task:
    """A job a model can do: instructions, reply schema, and the offline implementation."""

    name: str
    instructions: str
    schema: type[BaseModel]
    offline: Callable[[dict[str, Any]], dict[str, Any]]


_TASKS: dict[str, Task] = {}
_lock = threading.Lock()


def register_task(task: Task) -> Task:
    """Add (or replace) a task by name; plugins may register their own."""
    _TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    _load_builtin_tasks()
    try:
        return _TASKS[name]
    except KeyError:
        raise KeyError(f"unknown llm task {name!r}; known: {', '.join(sorted(_TASKS))}") from None


def _load_builtin_tasks() -> None:
    import copilot.intelligence.tasks  # noqa: F401  (registers the builtin tasks once)


@dataclass(frozen=True)
class LlmConfig:
    """Which model to ask and how. `model == OFFLINE_MODEL` means: no model, offline code."""

    model: str = OFFLINE_MODEL
    api_base: str | None = None
    api_key: str | None = None
    timeout: float = 8.0
    retries: int = 0
    fallbacks: tuple[str, ...] = ()
    max_tokens: int = 800
    temperature: float = 0.0
    via_litellm: bool = False  # route even the offline model through litellm (tests, demos)
    response_format: str = "json_schema"  # json_schema | json_object | none (structured output)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def offline(self) -> bool:
        return self.model in (OFFLINE_MODEL, "offline", "")

    @classmethod
    def from_settings(cls, settings: Any = None, model: str | None = None) -> LlmConfig:
        """Read `llm_*` settings (absent fields fall back to these defaults)."""

        def get(name: str, default: Any) -> Any:
            value = getattr(settings, name, None) if settings is not None else None
            return default if value is None else value

        fallbacks = get("llm_fallbacks", ())
        if isinstance(fallbacks, str):
            fallbacks = tuple(f.strip() for f in fallbacks.split(",") if f.strip())
        return cls(
            model=model or get("llm_model", OFFLINE_MODEL),
            api_base=get("llm_api_base", None),
            api_key=get("llm_api_key", None),
            timeout=float(get("llm_timeout", 8.0)),
            retries=int(get("llm_retries", 0)),
            fallbacks=tuple(fallbacks),
            response_format=str(get("llm_response_format", "json_schema")),
        )


@dataclass(frozen=True)
class LlmResult(Generic[T]):
    """A validated answer; `fallback` is True when the offline code answered instead."""

    value: T
    model: str
    fallback: bool = False
    reason: str | None = None

    @property
    def engine(self) -> str:
        if self.model == OFFLINE_MODEL:
            return "offline" + (" (fallback)" if self.fallback else "")
        return f"llm:{self.model}"


class LlmError(RuntimeError):
    """The model could not give a valid answer (timeout, HTTP error, invalid JSON)."""


# -- litellm ------------------------------------------------------------------------------------


def litellm_module():
    """Import litellm once, offline-safe: local cost map, no telemetry, our provider added."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    with _lock:
        litellm.telemetry = False
        litellm.suppress_debug_info = True
        providers = [p for p in (litellm.custom_provider_map or []) if isinstance(p, dict)]
        if not any(p.get("provider") == OFFLINE_PROVIDER for p in providers):
            litellm.custom_provider_map = [
                *providers,
                {"provider": OFFLINE_PROVIDER, "custom_handler": _offline_handler(litellm)},
            ]
            from litellm.utils import custom_llm_setup

            custom_llm_setup()
    return litellm


def _offline_handler(litellm):
    """A litellm CustomLLM that answers task messages with the offline implementations."""

    class OfflineProvider(litellm.CustomLLM):
        def completion(
            self, model, messages, api_base, custom_prompt_dict, model_response, *a, **k
        ):
            model_response.choices[0].message.content = answer_offline_messages(messages)
            model_response.model = f"{OFFLINE_PROVIDER}/{model}"
            return model_response

        async def acompletion(
            self, model, messages, api_base, custom_prompt_dict, model_response, *a, **k
        ):
            return self.completion(model, messages, api_base, custom_prompt_dict, model_response)

    return OfflineProvider()


def build_messages(task: Task, payload: dict[str, Any], prompt: str | None = None) -> list[dict]:
    """System: the task's instructions and JSON schema; user: the input as JSON."""
    schema = json.dumps(task.schema.model_json_schema(), separators=(",", ":"))
    system = (
        f"{TASK_MARKER} {task.name}\n{task.instructions}\n"
        f"Reply with one JSON object only, matching this JSON schema: {schema}"
    )
    user = json.dumps({"prompt": prompt, "input": payload}, ensure_ascii=False)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def answer_offline_messages(messages: list[dict]) -> str:
    """What the offline provider answers to `build_messages` output (a JSON string)."""
    system = next((m["content"] for m in messages if m.get("role") == "system"), "")
    match = re.search(re.escape(TASK_MARKER) + r"\s*(\S+)", str(system))
    if not match:
        raise LlmError("the offline model only answers copilot task messages")
    task = get_task(match.group(1))
    user = json.loads(next(m["content"] for m in messages if m.get("role") == "user"))
    payload = dict(user.get("input") or {})
    if user.get("prompt") is not None:
        payload.setdefault("prompt", user["prompt"])
    return json.dumps(task.offline(payload), ensure_ascii=False, default=str)


def parse_json_reply(text: str | None, schema: type[T]) -> T:
    """Validate a model's reply; tolerate ```json fences and prose around one object."""
    if not text or not text.strip():
        raise LlmError("empty answer")
    body = text.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", body, re.S)
    if fence:
        body = fence.group(1).strip()
    if not body.startswith(("{", "[")):
        start = body.find("{")
        end = body.rfind("}")
        if start < 0 or end <= start:
            raise LlmError(f"not JSON: {text[:80]!r}")
        body = body[start : end + 1]
    try:
        return schema.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise LlmError(f"invalid JSON answer: {first.get('loc')}: {first.get('msg')}") from None


def _ask_model(
    task: Task, payload: dict, prompt: str | None, config: LlmConfig
) -> tuple[str, str | None]:
    """(reply text, the model litellm says answered — differs when a fallback did)."""
    litellm = litellm_module()
    kwargs: dict[str, Any] = dict(config.extra)
    if config.api_base:
        kwargs["api_base"] = config.api_base
        kwargs["api_key"] = (
            config.api_key or "sk-local"
        )  # local servers ignore it; openai needs one
    elif config.api_key:
        kwargs["api_key"] = config.api_key
    if config.fallbacks:
        kwargs["fallbacks"] = list(config.fallbacks)
    if config.response_format == "json_schema":  # structured output: the server enforces it
        schema = task.schema.model_json_schema()
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": task.name, "schema": schema},
        }
    elif config.response_format == "json_object":
        kwargs["response_format"] = {"type": "json_object"}
    kwargs.setdefault("drop_params", True)  # a provider without response_format still answers
    where = f" at {config.api_base}" if config.api_base else ""
    try:
        response = litellm.completion(
            model=config.model,
            messages=build_messages(task, payload, prompt),
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            timeout=config.timeout,
            num_retries=config.retries,
            **kwargs,
        )
    except Exception as exc:
        name = type(exc).__name__
        if "timeout" in name.lower() or "timed out" in str(exc).lower():
            raise LlmError(
                f"{config.model!r}{where} timed out after {config.timeout:g} s"
            ) from None
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise LlmError(f"{config.model!r}{where} failed: {name}: {first}") from None
    try:
        return response.choices[0].message.content, getattr(response, "model", None)
    except (AttributeError, IndexError, KeyError):
        raise LlmError(f"{config.model!r}{where} returned no message") from None


def complete_json(
    prompt: str | None,
    schema_model: type[T],
    *,
    task: str,
    payload: dict[str, Any],
    config: LlmConfig | None = None,
) -> LlmResult[T]:
    """Ask the configured model to do `task` on `payload`; validated, never raises for a model.

    `prompt` is the user's own wording (e.g. an index_audio prompt), passed along with the input.
    """
    config = config or LlmConfig()
    spec = get_task(task)
    if config.offline and not config.via_litellm:
        data = spec.offline({**payload, "prompt": prompt} if prompt is not None else payload)
        return LlmResult(schema_model.model_validate(data), OFFLINE_MODEL)
    try:
        text, answered_by = _ask_model(spec, payload, prompt, config)
        value = parse_json_reply(text, schema_model)
        if config.offline:
            return LlmResult(value, OFFLINE_MODEL)
        if str(answered_by or "").startswith(f"{OFFLINE_PROVIDER}/"):
            reason = f"{config.model!r} failed; litellm fell back to {OFFLINE_MODEL}"
            log.warning("llm task %s: %s", task, reason)
            return LlmResult(value, OFFLINE_MODEL, True, reason)
        return LlmResult(value, config.model)
    except LlmError as exc:
        reason = str(exc)
    log.warning("llm task %s: %s; answered offline instead", task, reason)
    data = spec.offline({**payload, "prompt": prompt} if prompt is not None else payload)
    return LlmResult(schema_model.model_validate(data), OFFLINE_MODEL, True, reason)
