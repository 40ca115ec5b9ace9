"""Settings from env vars (`COPILOT_*`) and an optional `copilot.toml`, validated by pydantic.

A bad value becomes a one-line `ConfigError` naming the key, never a pydantic traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from copilot.delivery.selection import DEFAULT as WEBHOOK_DEFAULT
from copilot.delivery.selection import check as check_webhook_events
from copilot.errors import ConfigError


def default_home() -> Path:
    env = os.environ.get("COPILOT_HOME")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "copilot"


def cache_dir() -> Path:
    """Machine-wide cache for files derived from bundled models (rebuilt if deleted):
    ``COPILOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/copilot``, else ``~/.cache/copilot``."""
    explicit = os.environ.get("COPILOT_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "copilot"


def config_file() -> Path:
    """`COPILOT_CONFIG`, else `$COPILOT_HOME/copilot.toml`."""
    env = os.environ.get("COPILOT_CONFIG")
    return Path(env).expanduser() if env else default_home() / "copilot.toml"


class Settings(BaseSettings):
    """Everything tunable. Env vars win over the TOML file; both are optional."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_", extra="forbid")

    home: Path = Field(default_factory=default_home, description="where all data lives")
    webhook_allow_hosts: list[str] = Field(
        default_factory=list,
        description="hosts webhooks may go to (names, *.wildcards, IPs, CIDRs); empty: any "
        "but link-local and cloud-metadata addresses",
    )
    webhook_events: list[str] = Field(
        default_factory=lambda: list(WEBHOOK_DEFAULT),
        description="what webhooks carry unless a session says (webhook_events=[...]): "
        "capture_session, transcript (finals), audio_index, visual_index, action_item, alert; "
        "also channel, recording-complete, error, plugin_error, custom types, or *",
    )
    webhook_drain_timeout: float = Field(
        default=5.0,
        ge=0,
        description="seconds closing a runtime waits for due webhooks to be tried once",
    )
    auth_recheck_interval: float = Field(
        default=5.0,
        gt=0,
        description="seconds between re-checks of an open WebSocket's key or token (revoked?)",
    )
    ws_compression: bool = Field(
        default=False,
        description="offer permessage-deflate on the server's WebSockets (compresses every "
        "message for every subscriber: CPU the event fan-out otherwise spends on nothing)",
    )
    export_root: Path | None = Field(
        default=None,
        description="where exports asked for over the API may go besides the home (default: "
        "$COPILOT_HOME/exports for names and the default)",
    )
    database_url: str | None = Field(
        default=None,
        description="postgresql://… shares one database between replicas (default: SQLite in home)",
    )
    lease_ttl: float = Field(
        default=10.0, gt=0, le=600, description="seconds an ingest lease lasts unrenewed"
    )
    failover_grace: float = Field(
        default=120.0,
        ge=0,
        description="seconds a session whose replica died waits for its client to re-attach",
    )
    plugins: str = Field(
        default="",
        description="comma-separated plugin names: 'a,b' allows only those, '-c' blocks c",
    )
    plugin_timeout: float = Field(default=10.0, gt=0, description="seconds per hook call")
    plugin_queue_size: int = Field(default=10_000, ge=1, description="events queued per plugin")
    loop_block_threshold: float = Field(
        default=1.0,
        ge=0,
        description="seconds an async hook may stall the event loop before it is reported (0: off)",
    )
    subscriber_queue_size: int = Field(default=10_000, ge=1, description="live events per reader")
    frame_queue_size: int = Field(default=500, ge=1, description="media frames per channel")
    drain_timeout: float = Field(default=30.0, ge=0, description="wait for plugins at stop")
    replay_hold: float = Field(
        default=2.0, ge=0, description="seconds a fast replay waits for its first feature"
    )
    log_level: str = Field(default="WARNING", description="Python logging level")
    asr_model: str = Field(
        default="tiny.en",
        description="tiny.en (bundled), base (bundled), a CTranslate2 dir, or a cached size name",
    )
    asr_threads: int = Field(default=2, ge=1, le=64, description="CPU threads for ASR")
    asr_compute_type: str = Field(default="int8", description="CTranslate2 compute type")
    asr_language: str = Field(default="en", description="language for multilingual models")
    asr_device: str = Field(default="cpu", description="cpu, cuda or auto, for both passes")
    asr_refine_model: str = Field(
        default="base",
        description="refine pass: base (bundled), a CTranslate2 dir, a cached size name, or off",
    )
    asr_refine_threads: int = Field(default=2, ge=1, le=64, description="CPU threads, refine")
    asr_refine_beam_size: int = Field(default=5, ge=1, le=16, description="beam, refine pass")
    asr_refine_max_pending_s: float = Field(
        default=30.0, gt=0, description="audio waiting for the refine pass per live stream"
    )
    asr_live_vocabulary: bool = Field(
        default=False, description="also bias the live pass with the vocabulary/participants"
    )
    screen_fps: float = Field(default=1.0, gt=0, le=30, description="display samples per second")
    screen_exclude: list[str] = Field(
        default_factory=list,
        description="window titles/apps (substring or glob) never stored or sent to a model",
    )
    vision_model: str | None = Field(
        default=None, description="litellm model for index_visuals (default: offline OCR)"
    )
    vision_api_base: str | None = Field(default=None, description="OpenAI-compatible server")
    llm_model: str = Field(
        default="copilot/offline",
        description="litellm model (gpt-4o-mini, openai/<name>…); copilot/offline needs no network",
    )
    llm_api_base: str | None = Field(default=None, description="OpenAI-compatible server URL")
    llm_api_key: str | None = Field(default=None, description="provider key, if it needs one")
    llm_timeout: float = Field(default=8.0, gt=0, description="seconds per model call")
    llm_retries: int = Field(default=0, ge=0, le=10, description="retries per model call")
    llm_fallbacks: str = Field(default="", description="comma list of models to try next")
    llm_response_format: Literal["json_schema", "json_object", "none"] = Field(
        default="json_schema",
        description="structured output asked of the model (json_object for older servers)",
    )
    meeting_participants: list[str] = Field(
        default_factory=list, description="default roster for matching action-item owners"
    )
    user_name: str | None = Field(default=None, description="who the microphone ('me') is")
    action_item_min_confidence: float = Field(default=0.6, ge=0, le=1)
    summary_every: int = Field(
        default=10, ge=0, description="emit a running meeting summary every N utterances (0: off)"
    )
    sensitive_min_confidence: float = Field(default=0.7, ge=0, le=1)
    redact_sensitive: bool = Field(
        default=True,
        description="replace detected secrets wherever they are stored (transcript/index text, "
        "search, exports; black boxes in keyframes and screen recordings); alerts still say "
        "which kind and where",
    )

    @field_validator("webhook_events")
    @classmethod
    def _known_webhook_events(cls, value: list[str]) -> list[str]:
        return check_webhook_events(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    def plugin_allowed(self, name: str) -> bool:
        """Apply `plugins`: names prefixed '-' are blocked; bare names form an allow-list."""
        items = [p.strip() for p in self.plugins.split(",") if p.strip()]
        blocked = {p[1:] for p in items if p.startswith("-")}
        allowed = {p for p in items if not p.startswith("-")}
        if name in blocked:
            return False
        return not allowed or name in allowed


def load_settings(**overrides) -> Settings:
    """Build settings, turning validation failures into a one-line error naming the key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err.get("loc", ())) or "?"
        value = err.get("input")
        raise ConfigError(
            f"bad config value for {key!r} ({value!r}): {err.get('msg')} "
            f"(env COPILOT_{key.upper()} or {config_file()})"
        ) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigError(f"cannot read config {config_file()}: {exc}") from None
